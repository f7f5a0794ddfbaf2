package io.teleport.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.testing.Frames;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server role answers the frames Go Teleport v3's {@code client.go} writes, built here byte by
 * byte as the protocol specification lays them out (Go itself cannot run on this machine).
 */
class GoClientFramesTest {

    private static ConfigurableApplicationContext server;
    private static int port;

    @BeforeAll
    static void start() {
        server = new SpringApplicationBuilder(DemoApplication.class).profiles("server")
                .run("--teleport.server.listen-address=127.0.0.1:0", "--demo.delay=10ms");
        port = ((InetSocketAddress) server.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** client.go's first pull: seq 0, gzip, meta set=0&add=1&add=2, {"bytes":"dGVzdCBieXRlcw=="}. */
    private static byte[] goTestPull() {
        ByteBuf payload = Unpooled.buffer();
        payload.writeLong(0).writeByte(1);
        byte[] uri = "/group/home/test?peer_id=call-1".getBytes(StandardCharsets.UTF_8);
        payload.writeInt(uri.length).writeBytes(uri);
        byte[] meta = "set=0&add=1&add=2".getBytes(StandardCharsets.UTF_8);
        payload.writeInt(meta.length).writeBytes(meta);
        payload.writeByte('j').writeBytes("{\"bytes\":\"dGVzdCBieXRlcw==\"}".getBytes(StandardCharsets.UTF_8));
        ByteBuf gzipped = XferFilters.defaults().require((byte) 'g').pack(payload, ByteBufAllocator.DEFAULT);
        try {
            ByteBuffer frame = ByteBuffer.allocate(7 + gzipped.readableBytes());
            frame.putInt(frame.capacity()).put((byte) 'f').put((byte) 1).put((byte) 'g');
            gzipped.readBytes(frame);
            return frame.array();
        } finally {
            gzipped.release();
            payload.release();
        }
    }

    /** client.go's second pull: seq 1, gzip, Go's JSON of {RawMessage, Bytes}. */
    private static byte[] goUnknownPull() {
        byte[] json = "{\"RawMessage\":{\"RawMessage\":\"test_unknown\"},\"Bytes\":\"dGVzdCBieXRlcw==\"}"
                .getBytes(StandardCharsets.UTF_8);
        return Frames.encode(new Packet(PacketType.PULL, 1, "/group/home/test_unknown?peer_id=call-2", new PreEncoded(json))
                .bodyCodec((byte) 'j').xferPipe((byte) 'g'));
    }

    @Test
    void answersClientGoUnchanged() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(goTestPull());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            List<Packet> received = new ArrayList<>();
            while (received.stream().noneMatch(p -> p.type() == PacketType.REPLY)) {
                received.add(Frames.read(in));
            }
            socket.getOutputStream().write(goUnknownPull());
            while (received.stream().filter(p -> p.type() == PacketType.REPLY).count() < 2) {
                received.add(Frames.read(in));
            }

            List<Packet> pushes = received.stream().filter(p -> p.type() == PacketType.PUSH).toList();
            assertThat(pushes).extracting(Packet::uri).containsOnly("/push/test?tag=from home-test");
            assertThat(pushes.get(0).seq()).as("the server's first push has seq 0").isZero();
            assertThat(new String(pushes.get(0).bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"your_id\":\"call-1\"}");

            List<Packet> replies = received.stream().filter(p -> p.type() == PacketType.REPLY).toList();
            Packet test = replies.get(0);
            assertThat(test.seq()).isZero();
            assertThat(test.uri()).isEqualTo("/group/home/test?peer_id=call-1");
            assertThat(test.xferPipe()).as("the reply keeps the request's gzip").containsExactly((byte) 'g');
            assertThat(test.bodyCodec()).isEqualTo((byte) 'j');
            assertThat(test.hasMeta() ? Rerror.fromMeta(test.meta()) : null).isNull();
            assertThat(new String(test.bodyBytes(), StandardCharsets.UTF_8))
                    .as("Go's map order: keys sorted; & escaped")
                    .startsWith("{\"meta\":\"set=0\\u0026add=1\\u0026add=2\",\"server_time\":\"")
                    .endsWith("\"your_args\":{\"bytes\":\"dGVzdCBieXRlcw==\"}}");

            Packet unknown = replies.get(1);
            assertThat(unknown.seq()).isEqualTo(1);
            assertThat(new String(unknown.bodyBytes(), StandardCharsets.UTF_8)).endsWith(
                    "\"your_args\":{\"RawMessage\":{\"RawMessage\":\"test_unknown\"},\"Bytes\":\"dGVzdCBieXRlcw==\"}}");
        }
        assertThat(HexFormat.of().formatHex(goTestPull(), 0, 7)).as("size, 'f', one filter, 'g'").endsWith("660167");
    }
}
