package io.teleport.internal.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostAccept;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A session's id as the hooks that run before it is listed may set it. */
class SessionIdTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @RegisterExtension
    final io.teleport.testing.LogCapture peerLog = io.teleport.testing.LogCapture.of(PeerContext.class.getName(),
            ch.qos.logback.classic.Level.WARN);

    /** Sets the id a session already has by default, before the session is in the hub. */
    private static final class KeepsTheDefaultId implements PostAccept {
        @Override
        public Rerror postAccept(Session session) {
            session.setId(session.id());
            return null;
        }
    }

    /** The server of the last {@link #joining}. */
    private Peer server;

    /** A client of a server whose {@code /join} names the caller's session after its body. */
    private Session joining() {
        server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/join", String.class, (name, ctx) -> {
            ctx.session().setId(name);
            return ctx.session().id();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
    }

    /**
     * An id taken from what a remote sent (a player's name) is bounded: 40 clients with 8 MB names held most
     * of a 256 MB heap, in the hub, the actuator's answer and log lines (hostile round 14).
     */
    @Test
    void anIdLongerThanTheBoundIsRefusedAndTheSessionKeepsItsOwn() {
        Session client = joining();
        String longest = "p".repeat(SessionHub.MAX_ID_LENGTH);
        assertThat(client.pull("/join", longest, String.class)).isEqualTo(longest);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.pull("/join", longest + "p", String.class))
                .isInstanceOf(io.teleport.message.RerrorException.class);
        assertThat(server.session(longest)).as("still under the id it had").isPresent();
    }

    /**
     * An id that would rewrite a log line is refused: a verifier that named sessions after their tokens let
     * a client forge whole ERROR lines, escapes and NULs in a dozen WARN lines (hostile round 21).
     */
    @Test
    void anIdWithAControlOrFormattingCharacterIsRefusedAndTheSessionKeepsItsOwn() {
        Session client = joining();
        for (String forged : java.util.List.of("evil\n12:00:00.000 ERROR [main] io.teleport.Peer - FORGED", "red\u001b[31m",
                "nul\u0000", "next\u2028line", "flip\u202Eeulav", "tab\tbed")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.pull("/join", forged, String.class))
                    .as(forged).isInstanceOf(io.teleport.message.RerrorException.class);
        }
        assertThat(client.pull("/join", "player 7 – Zoë", String.class)).isEqualTo("player 7 – Zoë");
    }

    @Test
    void anAcceptHookSettingTheDefaultIdListsTheSessionUnderIt() {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), new KeepsTheDefaultId()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        assertThat(client.pull("/echo", "x", String.class)).isEqualTo("x");
        await().until(() -> server.sessionCount() == 1);
        Session accepted = server.sessions().iterator().next();
        assertThat(server.session(accepted.id())).containsSame(accepted);
    }

    @Test
    void aSessionThatLosesItsIdToAnotherIsClosedAndTheLogSaysSo() throws Exception {
        // Both claim the id the verifier would read from a token: a cloned device.
        PostAccept claims = session -> {
            session.setId("device-7");
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), claims));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session first = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        first.push("/any", "x").join();
        await().until(() -> server.sessionCount() == 1);
        peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);

        first.closeFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        await().until(() -> !peerLog.warnings("took their id").isEmpty());
        assertThat(peerLog.warnings("took their id").get(0)).contains("device-7");
    }
}
