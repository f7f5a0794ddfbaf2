package io.teleport.plugins;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.Peer;
import io.teleport.codec.Codecs;
import io.teleport.codec.StringCodec;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostDial;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.ProtoContext;
import io.teleport.session.Session;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.TestPeers;
import io.teleport.xfer.XferFilters;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.bodyCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The auth plugin's handshake on erpc v6 is erpc's AUTH_CALL/AUTH_REPLY: against the bytes of Go erpc
 * v6.3.5's bearer and checker plugins (vectors E35-E40), and between Java peers.
 */
class ErpcAuthTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final Rerror REFUSED = new Rerror(403, "auth fail", "wrong auth info");
    /** What a Go erpc client's dial ends with when a checker refuses it (seen against Go and Java servers). */
    private static final Rerror DIAL_REFUSED = new Rerror(105, "Dial Failed", "wrong auth info");

    private static @Nullable Rerror check(String token) {
        return token.equals("client-auth-info-12345") ? null : REFUSED;
    }

    /**
     * A Go erpc v6 server with the checker plugin, replayed: for each frame it receives it checks the
     * bytes and answers with the next captured frame ({@code -}: no answer). Returns what it received.
     */
    private static CompletableFuture<List<byte[]>> goServer(ServerSocket socket, String... answers) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = socket.accept()) {
                s.setSoTimeout(5000);
                List<byte[]> received = new ArrayList<>();
                for (String answer : answers) {
                    received.add(readFrame(s.getInputStream()));
                    if (!answer.equals("-")) {
                        s.getOutputStream().write(ErpcGoldenFrames.get(answer).frame());
                    }
                }
                s.getInputStream().read();
                return received;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private Peer client(String token, Plugin... before) {
        return peers.add(Peer.builder().configure(c -> c.pullTimeout(Duration.ofSeconds(5)))
                .plugins(List.of(before)).plugin(AuthPlugin.client(() -> token)).build());
    }

    @Test
    void aJavaClientAuthenticatesWithAGoCheckerAsTheGoBearerDoes() throws Exception {
        try (ServerSocket go = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<byte[]>> received = goServer(go, "E36", "E38");
            Session session = client("client-auth-info-12345").dial("127.0.0.1:" + go.getLocalPort(),
                    ErpcRawProto.INSTANCE);
            assertThat(session.pull("/echo/string", "after auth", String.class, bodyCodec(StringCodec.ID)))
                    .isEqualTo("echo:after auth");
            session.close();
            List<byte[]> frames = received.get(5, TimeUnit.SECONDS);
            assertThat(frames.get(0)).as("AUTH_CALL").isEqualTo(ErpcGoldenFrames.get("E35").frame());
            assertThat(frames.get(1)).as("the first CALL after auth is seq 2").isEqualTo(ErpcGoldenFrames.get("E37").frame());
        }
    }

    @Test
    void aGoAuthReplyMatchesTheAuthCallWhateverItsSeq() throws Exception {
        // Something goes out before the handshake: the AUTH_CALL is this side's seq 2, the Go reply says 1.
        PostDial pushFirst = session -> {
            session.push("/hello", "x", bodyCodec(StringCodec.ID));
            return null;
        };
        try (ServerSocket go = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<byte[]>> received = goServer(go, "-", "E36");
            Session session = client("client-auth-info-12345", pushFirst)
                    .dial("127.0.0.1:" + go.getLocalPort(), ErpcRawProto.INSTANCE);
            assertThat(session.isHealthy()).isTrue();
            session.close();
            List<byte[]> frames = received.get(5, TimeUnit.SECONDS);
            // size(4) filters(1) seqLen(1) seq(1) mtype(1)
            assertThat(frames.get(0)[7]).as("a PUSH first").isEqualTo((byte) 3);
            assertThat(frames.get(1)[7]).as("then the AUTH_CALL").isEqualTo((byte) 4);
            assertThat(frames.get(1)[6]).as("of seq 2, answered by an AUTH_REPLY of seq 1").isEqualTo((byte) '2');
        }
    }

    @Test
    void aGoCheckersRefusalFailsTheDial() throws Exception {
        try (ServerSocket go = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<List<byte[]>> received = goServer(go, "E40");
            assertThatThrownBy(() -> client("wrong-info").dial("127.0.0.1:" + go.getLocalPort(), ErpcRawProto.INSTANCE))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(DIAL_REFUSED));
            assertThat(received.get(5, TimeUnit.SECONDS).get(0)).isEqualTo(ErpcGoldenFrames.get("E39").frame());
        }
    }

    @Test
    void aJavaServerChecksAGoBearerWithGoBytes() throws Exception {
        Peer server = peers.add(Peer.builder().plugin(AuthPlugin.server(ErpcAuthTest::check, Duration.ofSeconds(5)))
                .build());
        server.pullRouter().route("/echo/string", String.class, (s, ctx) -> "echo:" + s);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(ErpcGoldenFrames.get("E35").frame());
            Packet accepted = decode(readFrame(socket.getInputStream()));
            assertThat(accepted.type()).isEqualTo(PacketType.REPLY);
            assertThat(accepted.uri()).as("an AUTH_REPLY").isEqualTo(ErpcRawProto.AUTH_URI);
            assertThat(accepted.hasMeta()).as("no error status").isFalse();
            assertThat(new String(accepted.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("ok");
            socket.getOutputStream().write(ErpcGoldenFrames.get("E37").frame());
            assertThat(readFrame(socket.getInputStream())).isEqualTo(ErpcGoldenFrames.get("E38").frame());
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(ErpcGoldenFrames.get("E39").frame());
            assertThat(readFrame(socket.getInputStream())).as("the Go checker's refusal, byte for byte")
                    .isEqualTo(ErpcGoldenFrames.get("E40").frame());
            assertThat(socket.getInputStream().read()).as("then the session closes").isEqualTo(-1);
        }
    }

    @Test
    void javaPeersAuthenticateOverErpcV6() {
        Peer server = peers.add(Peer.builder().plugin(AuthPlugin.server(ErpcAuthTest::check, Duration.ofSeconds(5)))
                .build());
        server.pullRouter().route("/echo/string", String.class, (s, ctx) -> "echo:" + s);
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        Session ok = client("client-auth-info-12345").dial(address, ErpcRawProto.INSTANCE);
        assertThat(ok.pull("/echo/string", "x", String.class, bodyCodec(StringCodec.ID))).isEqualTo("echo:x");
        // Listed once its accept hooks (the auth plugin's) ended, which may be after it was served.
        await().until(() -> server.sessionCount() == 1);
        assertThat(server.sessions().iterator().next().proto()).isSameAs(ErpcRawProto.INSTANCE);
        assertThatThrownBy(() -> client("wrong-info").dial(address, ErpcRawProto.INSTANCE))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(DIAL_REFUSED));
    }

    /**
     * A CALL to the handshake's path was answered with an AUTH_REPLY, which an erpc client reading the
     * CALL's REPLY does not expect (hostile round 13): a CALL or PUSH there is a bad frame, and this side
     * does not send one.
     */
    @Test
    void aCallOrPushToTheHandshakesPathIsRefused() throws Exception {
        Peer server = peers.add(Peer.builder().plugin(AuthPlugin.server(ErpcAuthTest::check, Duration.ofSeconds(5)))
                .build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        for (String path : List.of(ErpcRawProto.AUTH_URI)) {
            for (PacketType type : List.of(PacketType.PULL, PacketType.PUSH)) {
                long before = server.stats().badFrames();
                try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write(ErpcGoldenFrames.get("E35").frame());
                    assertThat(decode(readFrame(socket.getInputStream())).uri()).isEqualTo(ErpcRawProto.AUTH_URI);
                    socket.getOutputStream().write(frame(type, path));
                    assertThat(socket.getInputStream().read()).as("%s %s: closed, unanswered", type, path).isEqualTo(-1);
                }
                await().until(() -> server.stats().badFrames() == before + 1);
            }
        }
        Session ok = client("client-auth-info-12345").dial("127.0.0.1:" + port, ErpcRawProto.INSTANCE);
        assertThat(ok.push(ErpcRawProto.AUTH_URI, "x", bodyCodec(StringCodec.ID))).failsWithin(Duration.ofSeconds(5))
                .withThrowableThat().havingCause().isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror().detail()).contains("the handshake's"));
        assertThat(ok.isHealthy()).isTrue();
    }

    /** A frame whose service method is written as given, as a peer other than this one may. */
    private static byte[] frame(PacketType type, String path) {
        Packet packet = new Packet(type, 2, "/x" + "_".repeat(path.length() - 2), "token").bodyCodec((byte) 's');
        var buf = ErpcRawProto.INSTANCE.encode(packet, new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 16),
                ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("/x" + "_".repeat(path.length() - 2), path);
            return text.getBytes(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    /** A refusal with a code and no words still says what the server answered (hostile round 14). */
    @Test
    void aRefusalWithoutWordsNamesItsCode() {
        Peer server = peers.add(Peer.builder().plugin(AuthPlugin.server(token -> new Rerror(1403, "", ""),
                Duration.ofSeconds(5))).build());
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        assertThatThrownBy(() -> client("any").dial(address, ErpcRawProto.INSTANCE))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(new Rerror(105,
                        "Dial Failed", "the server refused the handshake with code 1403 and no message")));
    }

    private static Packet decode(byte[] frame) {
        var in = Unpooled.wrappedBuffer(frame);
        return ErpcRawProto.INSTANCE.decode(in, new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 16),
                ByteBufAllocator.DEFAULT);
    }

    private static byte[] readFrame(InputStream in) throws Exception {
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
