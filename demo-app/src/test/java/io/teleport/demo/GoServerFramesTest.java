package io.teleport.demo;

import io.teleport.codec.PreEncoded;
import io.teleport.demo.client.DemoClient;
import io.teleport.demo.client.PushLog;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.testing.Frames;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client role against a peer that answers as Go Teleport v3's {@code server.go} does, frame by
 * frame on a raw socket (Go itself cannot run on this machine): a push first, then the reply with
 * Go's JSON (sorted keys, {@code &} as {@code \u0026}), gzip kept from the request.
 */
class GoServerFramesTest {

    @Test
    void completesAgainstServerGoFrames() throws Exception {
        List<Packet> pulls = new CopyOnWriteArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> serve(listener, pulls));
            try (ConfigurableApplicationContext client = new SpringApplicationBuilder(DemoApplication.class)
                    .profiles("client").run("--teleport.client.address=127.0.0.1:" + listener.getLocalPort(),
                            "--demo.retry-interval=100ms")) {
                DemoClient demo = client.getBean(DemoClient.class);
                assertThat(demo.getExitCode()).isZero();
                assertThat(demo.replies().get(0).get("meta")).isEqualTo("set=0&add=1&add=2");
                assertThat(demo.replies().get(1).get("your_args")).isEqualTo(
                        Map.of("RawMessage", Map.of("RawMessage", "test_unknown"), "Bytes", "dGVzdCBieXRlcw=="));
                org.awaitility.Awaitility.await().until(() -> client.getBean(PushLog.class).received().size() == 2);
            }
            served.join();
        }
        // What the client put on the wire, as server.go would read it.
        assertThat(pulls).hasSize(2);
        assertThat(pulls.get(0).uri()).isEqualTo("/group/home/test?peer_id=call-1");
        assertThat(pulls.get(0).xferPipe()).containsExactly((byte) 'g');
        assertThat(pulls.get(0).meta().toString()).isEqualTo("set=0&add=1&add=2");
        assertThat(new String(pulls.get(0).bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"bytes\":\"dGVzdCBieXRlcw==\"}");
        assertThat(pulls.get(1).uri()).isEqualTo("/group/home/test_unknown?peer_id=call-2");
        assertThat(new String(pulls.get(1).bodyBytes(), StandardCharsets.UTF_8))
                .isEqualTo("{\"RawMessage\":{\"RawMessage\":\"test_unknown\"},\"Bytes\":\"dGVzdCBieXRlcw==\"}");
    }

    /** server.go for one connection: two pulls, each answered by a push and then the reply. */
    private static void serve(ServerSocket listener, List<Packet> pulls) {
        try (Socket socket = listener.accept()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            long pushSeq = 0;
            String[] replies = {
                "{\"meta\":\"set=0\\u0026add=1\\u0026add=2\",\"server_time\":\"2018-01-08T12:00:00.5+08:00\","
                        + "\"your_args\":{\"bytes\":\"dGVzdCBieXRlcw==\"}}",
                "{\"meta\":\"\",\"server_time\":\"2018-01-08T12:00:01+08:00\",\"your_args\":{\"Bytes\":\"dGVzdCBieXRlcw==\","
                        + "\"RawMessage\":{\"RawMessage\":\"test_unknown\"}}}"};
            for (int i = 0; i < 2; i++) {
                Packet pull = Frames.read(in);
                pulls.add(pull);
                String peerId = pull.uri().substring(pull.uri().indexOf("peer_id=") + 8);
                out.write(Frames.encode(new Packet(PacketType.PUSH, pushSeq++, "/push/test?tag=from home-test",
                        json("{\"your_id\":\"" + peerId + "\"}")).bodyCodec((byte) 'j')));
                out.write(Frames.encode(new Packet(PacketType.REPLY, pull.seq(), pull.uri(), json(replies[i]))
                        .bodyCodec((byte) 'j').xferPipe(pull.xferPipe())));
                out.flush();
            }
            // server.go keeps the connection until the client closes it.
            while (in.read() >= 0) {
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PreEncoded json(String text) {
        return new PreEncoded(text.getBytes(StandardCharsets.UTF_8));
    }
}
