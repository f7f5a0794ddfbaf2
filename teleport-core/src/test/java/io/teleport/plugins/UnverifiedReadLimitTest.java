package io.teleport.plugins;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.xfer.GzipFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A peer that has not authenticated may not send frames up to the read limit (hostile round 13: a
 * 16 MiB handshake from an unauthenticated peer was buffered and decoded before it was refused).
 */
class UnverifiedReadLimitTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(AuthPlugin... auth) {
        Peer peer = new Peer(PeerConfig.defaults(), auth);
        peers.add(peer);
        return peer;
    }

    private static AuthPlugin serverAuth() {
        return AuthPlugin.server(token -> token.equals("secret") ? null : new Rerror(401, "Unauthorized", "bad token"),
                Duration.ofSeconds(5));
    }

    // Bodies go as JSON: base64, a third larger.
    private int server(AuthPlugin auth) {
        Peer server = peer(auth);
        server.pullRouter().route("/size", byte[].class, (body, ctx) -> body.length);
        return ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aFrameHeaderOverTheLimitClosesAnUnverifiedConnectionBeforeItsBodyArrives() throws Exception {
        Peer server = peer(serverAuth());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        long badBefore = server.stats().badFrames();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            // A Teleport v3 frame declaring 1 MiB, of which nothing more is sent: the server must not wait for it.
            out.write(new byte[] {0, 0x10, 0, 0, 'f', 0});
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                assertThat(in.read()).as("closed without a reply").isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server waited for the frame's megabyte", e);
            }
        }
        await().until(() -> server.stats().badFrames() == badBefore + 1);
    }

    @Test
    void anUnverifiedSessionGets401UnderTheLimitAndLosesItsConnectionOverIt() {
        int port = server(serverAuth());
        Session anonymous = peer().dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> anonymous.pull("/size", new byte[40 * 1024], Integer.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        assertThatThrownBy(() -> anonymous.pull("/size", new byte[100 * 1024], Integer.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code())
                        .as(e.rerror().toJson()).isNotEqualTo(401));
        await().until(() -> !anonymous.isHealthy());
    }

    @Test
    void anAcceptedTokenLiftsTheLimitToThePeersReadLimit() {
        int port = server(serverAuth());
        Session verified = peer(AuthPlugin.client(() -> "secret")).dial("127.0.0.1:" + port);
        assertThat(verified.pull("/size", new byte[4 << 20], Integer.class)).isEqualTo(4 << 20);
        assertThat(verified.isHealthy()).isTrue();
    }

    /**
     * A gzip frame under the limit inflated to {@code max-unpacked-bytes} (4 MiB) for a peer that had proved
     * nothing (review of the limit): until the session is verified, filters may not inflate past the limit.
     */
    @Test
    void anUnverifiedSessionsFramesMayNotInflatePastTheLimit() {
        int port = server(serverAuth());
        Peer server = peers.get(0);
        Session anonymous = peer().dial("127.0.0.1:" + port);
        // A megabyte of zeros: about 1.4 MB of JSON, a few KB gzipped.
        assertThatThrownBy(() -> anonymous.pull("/size", new byte[1 << 20], Integer.class, CallOptions.xfer(GzipFilter.ID)))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code())
                        .as(e.rerror().toJson()).isNotEqualTo(401));
        await().until(() -> !anonymous.isHealthy());
        assertThat(server.stats().badFrames()).as("refused as a frame that expands too far").isEqualTo(1);
        Session verified = peer(AuthPlugin.client(() -> "secret")).dial("127.0.0.1:" + port);
        assertThat(verified.pull("/size", new byte[1 << 20], Integer.class, CallOptions.xfer(GzipFilter.ID)))
                .isEqualTo(1 << 20);
    }

    @Test
    void aTokenOverTheLimitFailsTheDial() {
        int port = server(AuthPlugin.server(token -> null, Duration.ofSeconds(5)));
        assertThat(peer(AuthPlugin.client(() -> "x".repeat(60 * 1024))).dial("127.0.0.1:" + port).isHealthy()).isTrue();
        Peer client = peer(AuthPlugin.client(() -> "x".repeat(70 * 1024)));
        assertThatThrownBy(() -> client.dial("127.0.0.1:" + port))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .as("points at the frame's size").contains("a frame over its limits"));
    }

    @Test
    void theLimitIsTheAuthPluginsToSet() {
        int port = server(serverAuth().withUnverifiedReadLimit(256 * 1024));
        Session anonymous = peer().dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> anonymous.pull("/size", new byte[150 * 1024], Integer.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        assertThat(anonymous.isHealthy()).isTrue();
        assertThat(serverAuth().unverifiedReadLimit()).isEqualTo(AuthPlugin.DEFAULT_UNVERIFIED_READ_LIMIT);
        assertThat(AuthPlugin.client(() -> "secret").unverifiedReadLimit()).as("no limit on the dialing side alone")
                .isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> serverAuth().withUnverifiedReadLimit(23)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSessionsReadLimitIsBoundedByThePeers() {
        int port = server(serverAuth());
        Session session = peer(AuthPlugin.client(() -> "secret")).dial("127.0.0.1:" + port);
        assertThat(session.readLimit()).as("a dialed session starts at the peer's").isEqualTo(PeerConfig.DEFAULT_READ_LIMIT);
        session.setReadLimit(Integer.MAX_VALUE);
        assertThat(session.readLimit()).as("at most the peer's").isEqualTo(PeerConfig.DEFAULT_READ_LIMIT);
        assertThatThrownBy(() -> session.setReadLimit(23)).isInstanceOf(IllegalArgumentException.class);
        session.setReadLimit(1024);
        assertThat(session.readLimit()).isEqualTo(1024);
    }
}
