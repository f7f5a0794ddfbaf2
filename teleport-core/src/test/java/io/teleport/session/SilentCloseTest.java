package io.teleport.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.ErpcRawProto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import ch.qos.logback.classic.Level;
import io.teleport.testing.LogCapture;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A dialed connection the remote closes before sending a single frame ends its pulls with a 102 that
 * names the usual cause (the two sides on different protocols), since the caller's side has no other
 * clue; a connection the remote closes after frames came in ends them with a 102 saying the remote
 * closed it, and one this side closes with the plain 102 or its reason.
 */
class SilentCloseTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
    }

    private Peer peer() {
        return peer(PeerConfig.defaults());
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        peer.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        peer.pullRouter().route("/big", Integer.class, (size, ctx) -> "x".repeat(size));
        peer.pullRouter().route("/slow", String.class, (body, ctx) -> {
            Thread.sleep(1500);
            return body;
        });
        peer.pullRouter().route("/drop", String.class, (body, ctx) -> {
            ((DefaultSession) ctx.session()).channel().close().syncUninterruptibly();
            return body;
        });
        return peer;
    }

    @Test
    void aPullToAServerOnAnotherProtocolSaysSo() {
        int erpc = ((InetSocketAddress) peer().listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        Session session = peer().dial("127.0.0.1:" + erpc);
        assertThatThrownBy(() -> session.pull("/echo", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                    assertThat(e.rerror().detail()).contains("without sending a frame")
                            .contains("teleport.protocol must match");
                });
    }

    @Test
    void aConnectionTheRemoteClosedAfterFramesCameInSaysTheRemoteClosedIt() {
        int port = ((InetSocketAddress) peer().listen("127.0.0.1:0", null)).getPort();
        Session session = peer().dial("127.0.0.1:" + port);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/drop", "y", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                    assertThat(e.rerror().detail()).startsWith("the remote closed the connection (its drain, a stop or"
                            + " crash, a reset on the way, or a frame of this side's over its limits").doesNotContain("protocol");
                });
    }

    @Test
    void aConnectionThisSideClosesBeforeAFrameCameInEndsItsPullsWithThePlain102() {
        int port = ((InetSocketAddress) peer().listen("127.0.0.1:0", null)).getPort();
        // This side refuses the reply's frame (over its read limit): the remote did speak.
        Session limited = peer(PeerConfig.builder().readLimit(10_000).build()).dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> limited.pull("/big", 100_000, String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                    assertThat(e.rerror().detail()).doesNotContain("teleport.protocol")
                            .startsWith("closed by this side: the other side broke the protocol or a limit: ")
                            .contains("Size of package exceeds limit").contains("limit: 10000");
                });
        // A call made after that close is told the same reason.
        limited.closeFuture().join();
        assertThatThrownBy(() -> limited.pull("/echo", "z", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
                    assertThat(e.rerror().detail()).startsWith("not sent: the connection is closed; closed by this side: the other"
                            + " side broke the protocol or a limit: ").contains("Size of package exceeds limit");
                });
        // This side's read-idle timeout closes the connection while the first pull waits.
        Session idle = peer(PeerConfig.builder().readIdleTimeout(java.time.Duration.ofMillis(300)).build())
                .dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> idle.pull("/slow", "y", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                    assertThat(e.rerror().detail()).doesNotContain("protocol");
                });
    }

    @Test
    void aPullToAnHttpServerSaysItIsOne() throws Exception {
        try (java.net.ServerSocket http = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (java.net.Socket s = http.accept()) {
                    s.getInputStream().read(new byte[64]);
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                } catch (java.io.IOException ignored) {
                    // The client closed first.
                }
            });
            server.start();
            Session session = peer().dial("127.0.0.1:" + http.getLocalPort());
            assertThatThrownBy(() -> session.pull("/echo", "x", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                        assertThat(e.rerror().detail()).contains("its first bytes read \"HTTP\": an HTTP server, not a Teleport peer");
                    });
            server.join(5000);
        }
    }

    @RegisterExtension
    final LogCapture redialLog = LogCapture.of("io.teleport.internal.session.DefaultSession", Level.INFO);

    /** The redialing client's log says what its 102s say: it only saw redials succeed (new-user trial 10). */
    @Test
    void aRedialingClientOnAnotherProtocolSaysWhyItsConnectionsAreLost() {
        int erpc = ((InetSocketAddress) peer().listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        Session session = peer(PeerConfig.builder().redialTimes(-1).redialInterval(java.time.Duration.ofMillis(50))
                .build()).dial("127.0.0.1:" + erpc);
        assertThatThrownBy(() -> session.pull("/echo", "x", String.class)).isInstanceOf(RerrorException.class);
        org.awaitility.Awaitility.await().until(() -> !redialLog.warnings("connection lost, redialing").isEmpty());
        assertThat(redialLog.warnings("connection lost, redialing")).first().asString()
                .contains("the remote closed it without sending a frame: another protocol or TLS on that side only");
    }

    /** A client that only pushes hears nothing either: its long-lived connection's loss blames no protocol. */
    @Test
    void aPushOnlyClientsLongLivedConnectionLostSaysNothingOfProtocols() throws Exception {
        Peer server = peer();
        server.pushRouter().route("/note", String.class, (body, ctx) -> { });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peer(PeerConfig.builder().redialTimes(-1).redialInterval(java.time.Duration.ofMillis(50))
                .redialMaxInterval(java.time.Duration.ofMillis(100)).build()).dial("127.0.0.1:" + port);
        session.push("/note", "x").get(5, java.util.concurrent.TimeUnit.SECONDS);
        Thread.sleep(300);
        server.sessions().iterator().next().close().get(5, java.util.concurrent.TimeUnit.SECONDS);
        org.awaitility.Awaitility.await().until(() -> !redialLog.warnings("connection lost, redialing").isEmpty());
        assertThat(redialLog.warnings("connection lost, redialing")).first().asString()
                .doesNotContain("without sending a frame");
    }

    @Test
    void aServerPullingAClientOnAnotherProtocolIsToldSoToo() {
        Peer server = peer();
        int erpc = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        peer().dial("127.0.0.1:" + erpc);
        org.awaitility.Awaitility.await().until(() -> server.sessionCount() == 1);
        Session client = server.sessions().iterator().next();
        assertThatThrownBy(() -> client.pull("/echo", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                    assertThat(e.rerror().detail()).startsWith("the remote closed the connection without sending a"
                            + " frame on it: it refused the connection").contains("it speaks another protocol")
                            .contains("shutdown timeout");
                });
    }

    /**
     * A frame this side's frame-read timeout gave up on may have waited for this side's own inbound budget
     * (new-user trial 17: hundreds of slow but honest connections): its pulls are told what happened,
     * without the "broke the protocol" blame.
     */
    @Test
    void aFrameReadTimeoutIsToldWithoutBlame() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread stalling = new Thread(() -> {
                try (java.net.Socket s = server.accept()) {
                    // Declares a frame of 1 KiB, sends its first bytes, and stalls.
                    s.getOutputStream().write(java.nio.ByteBuffer.allocate(16).putInt(1024).put((byte) 'f').array());
                    Thread.sleep(5000);
                } catch (Exception e) {
                    // closed by the test
                }
            });
            stalling.start();
            Session session = peer(PeerConfig.builder().limits(io.teleport.limits.Limits.builder()
                    .frameReadTimeout(java.time.Duration.ofMillis(300)).build()).build())
                    .dial("127.0.0.1:" + server.getLocalPort());
            assertThatThrownBy(() -> session.pull("/echo", "x", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
                        assertThat(e.rerror().detail()).startsWith("closed by this side: frame not complete within 300 ms")
                                .doesNotContain("broke");
                    });
            stalling.interrupt();
        }
    }
}
