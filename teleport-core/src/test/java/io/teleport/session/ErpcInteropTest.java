package io.teleport.session;

import io.teleport.Peer;
import io.teleport.PeerBuilder;
import io.teleport.codec.JsonCodec;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.ErpcRawProto;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.TestPeers;
import io.teleport.xfer.GzipFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.addMeta;
import static io.teleport.session.CallOptions.bodyCodec;
import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.session.CallOptions.xfer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Java peers speaking erpc v6 over loopback, with each other and with the bytes a Go erpc v6 peer
 * exchanges (replayed from the captured vectors over a plain socket).
 */
class ErpcInteropTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final BlockingQueue<String> serverPushes = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> clientPushes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> seqs = new LinkedBlockingQueue<>();

    /** A server with erpc6-server's routes that these tests use; listening on v6 unless told otherwise. */
    Peer server(PeerBuilder builder) {
        Peer server = peers.add(builder.build());
        server.pullRouter().route("/echo/string", String.class, (s, ctx) -> {
            seqs.add(ctx.seq());
            return "echo:" + s;
        });
        server.pullRouter().route("/echo/meta", Map.class, (body, ctx) -> {
            ctx.meta().forEach((k, v) -> ctx.replyMeta().add(k, v));
            ctx.replyMeta().set("X-Echo-Count", String.valueOf(ctx.meta().size()));
            return body;
        });
        server.pullRouter().route("/echo/fail", Map.class, (body, ctx) -> {
            throw new RerrorException(1001, "custom failure", "cause with \"quotes\", 100% & unicode 中文");
        });
        server.pullRouter().route("/echo/empty", Void.class, (body, ctx) -> null);
        server.pullRouter().route("/echo/name", Map.class, (body, ctx) -> String.valueOf(body.get("name")));
        server.pullRouter().route("/echo/json", Map.class, (body, ctx) -> body);
        server.pushRouter().route("/push/ping", Map.class, (body, ctx) -> {
            serverPushes.add(String.valueOf(body.get("n")));
            ctx.session().push("/client/ack", Map.of("got", body.get("n")));
        });
        return server;
    }

    private static int port(SocketAddress address) {
        return ((InetSocketAddress) address).getPort();
    }

    private Session dialV6(int port) {
        Peer client = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(5)).build()));
        client.pushRouter().route("/client/ack", Map.class, (body, ctx) -> clientPushes.add(body.get("got") + "@"
                + ctx.seq()));
        return client.dial("127.0.0.1:" + port, ErpcRawProto.INSTANCE);
    }

    @Test
    void pullsPushesErrorsAndGzipBetweenJavaPeers() throws Exception {
        Peer server = server(Peer.builder());
        Session session = dialV6(port(server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)));

        assertThat(session.pull("/echo/string", "hello 中文 <&>", String.class, bodyCodec(StringCodec.ID)))
                .isEqualTo("echo:hello 中文 <&>");
        assertThat(seqs.poll(5, TimeUnit.SECONDS)).as("erpc counts from 1").isEqualTo(1L);

        Reply<Map> meta = session.<Map>pullReply("/echo/meta", Map.of("name", "meta"), Map.class,
                addMeta("k", "v1"), addMeta("k", "v2"), addMeta("esc", "a b&c=d/100%中")).join();
        assertThat(meta.body()).isEqualTo(Map.of("name", "meta"));
        assertThat(meta.meta().toString()).isEqualTo("k=v1&k=v2&esc=a%20b%26c%3Dd%2F100%25%E4%B8%AD&X-Echo-Count=3");

        assertThatThrownBy(() -> session.pull("/echo/fail", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror())
                        .isEqualTo(new Rerror(1001, "custom failure", "cause with \"quotes\", 100% & unicode 中文")));
        assertThatThrownBy(() -> session.pull("/not/exist", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror()).isEqualTo(Rerror.of(404, "Not Found")));
        // A service method that is no URI: erpc's words for a 400, the cause in the detail (hostile round 11).
        assertThatThrownBy(() -> session.pull("/a%zz", Map.of(), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(400);
                    assertThat(e.rerror().message()).isEqualTo("Bad Message");
                    assertThat(e.rerror().detail()).startsWith("parse ");
                });

        Reply<String> accepted = session.<String>pullReply("/echo/name", Map.of("name", "codec"), String.class,
                setMeta(ErpcRawProto.ACCEPT_BODY_CODEC, Integer.toString(StringCodec.ID))).join();
        assertThat(accepted.body()).isEqualTo("codec");
        assertThat(accepted.bodyCodec()).as("X-Accept-Body-Codec, as erpc honours it").isEqualTo(StringCodec.ID);
        assertThat(session.<Void>pullReply("/echo/empty", null, Void.class).join().bodyCodec())
                .as("no body, the request's codec").isEqualTo(JsonCodec.ID);

        String text = "gzip ".repeat(200);
        assertThat(session.pull("/echo/string", text, String.class, bodyCodec(StringCodec.ID), xfer(GzipFilter.ID)))
                .isEqualTo("echo:" + text);

        session.push("/push/ping", Map.of("n", 7));
        assertThat(serverPushes.poll(5, TimeUnit.SECONDS)).isEqualTo("7");
        assertThat(clientPushes.poll(5, TimeUnit.SECONDS)).as("the server's first push is its seq 1").isEqualTo("7@1");
        assertThat(session.isHealthy()).isTrue();
    }

    @Test
    void aJavaServerAnswersGoCallsWithGoBytes() throws Exception {
        Peer server = server(Peer.builder());
        int port = port(server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            // E11 -> E12: a success with no body keeps the request's codec, as erpc writes it.
            for (List<String> exchange : List.of(List.of("E5", "E6"), List.of("E26", "E27"), List.of("E30", "E31"),
                    List.of("E11", "E12"))) {
                socket.getOutputStream().write(ErpcGoldenFrames.get(exchange.get(0)).frame());
                assertThat(readFrame(socket.getInputStream())).as(exchange.toString())
                        .isEqualTo(ErpcGoldenFrames.get(exchange.get(1)).frame());
            }
            // erpc's own status for a handler error, as the Go server wrote it for /echo/fail (E15 -> E16).
            socket.getOutputStream().write(ErpcGoldenFrames.get("E15").frame());
            assertThat(readFrame(socket.getInputStream())).isEqualTo(ErpcGoldenFrames.get("E16").frame());
            // erpc's built-in 404 writes cause= with nothing after it (E13 -> E14).
            socket.getOutputStream().write(ErpcGoldenFrames.get("E13").frame());
            assertThat(readFrame(socket.getInputStream())).as("404").isEqualTo(ErpcGoldenFrames.get("E14").frame());
            // A body that is not JSON: erpc's wording (E25); the cause is each side's own decoder text.
            socket.getOutputStream().write(ErpcGoldenFrames.get("E24").frame());
            assertThat(new String(readFrame(socket.getInputStream()), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .contains("code=400&msg=Bad%20Message&cause=");
        }
    }

    @Test
    void aJavaClientWritesWhatTheGoClientWrites() throws Exception {
        try (ServerSocket go = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = go.accept()) {
                    byte[] call = readFrame(s.getInputStream());
                    // The Go server's 404 for it (E29), then the connection stays until the client closes.
                    s.getOutputStream().write(ErpcGoldenFrames.get("E29").frame());
                    s.getInputStream().read();
                    return call;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Session session = dialV6(go.getLocalPort());
            assertThatThrownBy(() -> session.pull("/home/test", Map.of("a", 1), Map.class))
                    .isInstanceOfSatisfying(RerrorException.class,
                            e -> assertThat(e.rerror()).isEqualTo(Rerror.of(404, "Not Found")));
            session.close();
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(ErpcGoldenFrames.get("E28").frame());
        }
    }

    static byte[] readFrame(InputStream in) throws Exception {
        DataInputStream data = new DataInputStream(in);
        int size = data.readInt();
        byte[] frame = new byte[size];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        data.readFully(frame, 4, size - 4);
        return frame;
    }
}
