package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostAccept;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.ManualTimer;
import io.teleport.testing.ReservedPort;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An outage of a dialed connection is in the log without flooding it: one WARN when the connection
 * is lost, the first failed redial attempt and one per ten after, a line when it is back; a server that
 * accepts and drops the client again at once does not make the client log (or dial) in a loop. And a
 * session says whether it was dialed or accepted, and why its redial is failing.
 */
class OutageLogTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.internal.session", Level.INFO);
    private final ManualTimer timer = new ManualTimer();
    private final ReservedPort reserved = new ReservedPort();

    @AfterEach
    void release() throws IOException {
        reserved.close();
    }

    private Peer server(int port, PostAccept... plugins) {
        Peer server = peers.add(new Peer(PeerConfig.builder().reusePort(true).build(), plugins));
        server.pullRouter().route("/hello", String.class, (body, ctx) -> body);
        server.listen("127.0.0.1:" + port, null);
        return server;
    }

    @RegisterExtension
    final LogCapture peerLog = LogCapture.of("io.teleport.Peer", Level.INFO);

    @Test
    void aListenerWithReusePortSaysAnotherProcessMayShareItsPort() throws IOException {
        server(reserved.port());
        Peer plain = peers.add(new Peer(PeerConfig.defaults()));
        plain.listen("127.0.0.1:0", null);
        assertThat(peerLog.lines("listen ok")).hasSize(2).satisfiesExactlyInAnyOrder(
                line -> assertThat(line).endsWith("; reuse-port: another process may listen on this port too, and take"
                        + " some of its new connections"),
                line -> assertThat(line).doesNotContain("reuse-port"));
        assertThat(peerLog.lines("listen ok")).as("where handlers run, as in effect")
                .allSatisfy(line -> assertThat(line).contains(", handlers: a pool of 200 threads, 50 more in reserve)"));
        Peer inline = peers.add(new Peer(PeerConfig.builder().handlerExecution(io.teleport.config.HandlerExecution.INLINE).build()));
        inline.listen("127.0.0.1:0", null);
        assertThat(peerLog.lines("listen ok")).anySatisfy(line -> assertThat(line).contains("handlers: on the I/O threads (inline)"));
    }

    @Test
    void aSessionSaysWhetherItWasDialedOrAccepted() throws IOException {
        Peer server = server(reserved.port());
        Session dialed = peers.add(new Peer(PeerConfig.defaults())).dial(reserved.address());
        await().until(() -> server.sessionCount() == 1);
        assertThat(dialed.dialed()).isTrue();
        assertThat(server.sessions()).singleElement().satisfies(accepted -> assertThat(accepted.dialed()).isFalse());
        assertThat(dialed.redialFailure()).isNull();
    }

    @Test
    void anOutageLogsTheLossTheFirstFailedAttemptOnePerTenAndTheReturn() throws IOException {
        int port = reserved.port();
        Peer first = server(port);
        Peer client = peers.add(Peer.builder().configure(c -> c.redialTimes(-1).redialInterval(Duration.ofMillis(100))
                .redialMaxInterval(Duration.ofMillis(100))).timer(timer).build());
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> first.sessionCount() == 1);
        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> timer.pendingOf("Redialer") == 1);
        assertThat(log.warnings("connection lost, redialing")).singleElement().asString().contains("127.0.0.1:" + port);

        for (int attempt = 1; attempt <= 25; attempt++) {
            timer.advance(Duration.ofMillis(100));
            int made = attempt;
            await().until(() -> timer.delaysOf("Redialer").size() == made + 1 && timer.pendingOf("Redialer") == 1);
        }
        assertThat(log.warnings("redial attempt")).hasSize(3);
        assertThat(log.warnings("redial attempt").get(0)).startsWith("redial attempt 1 failed").contains("Connection refused")
                .contains("then one line per 10 attempts");
        assertThat(log.warnings("redial attempt").get(1)).startsWith("redial attempt 10 failed");
        assertThat(log.warnings("redial attempt").get(2)).startsWith("redial attempt 20 failed");
        assertThat(session.redialFailure()).as("why it is down, for health checks").isNotNull()
                .hasMessageContaining("Connection refused");
        assertThat(session.isHealthy()).isFalse();

        server(port);
        timer.advance(Duration.ofMillis(100));
        await().until(session::isHealthy);
        assertThat(log.lines("redial ok")).hasSize(1);
        assertThat(session.redialFailure()).isNull();
        assertThat(log.warnings("connection lost")).as("lost once").hasSize(1);
    }

    @Test
    void withoutRedialALostConnectionIsStillAWarning() throws IOException {
        Peer server = server(reserved.port());
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(reserved.address());
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));
        await().until(() -> session.closeFuture().isDone());
        assertThat(log.warnings("connection lost")).singleElement().asString().contains("redial is off");
    }

    @Test
    void aClosedSessionOrAStoppedPeerIsNoLoss() throws IOException {
        Peer server = server(reserved.port());
        Peer client = peers.add(new Peer(PeerConfig.builder().redialTimes(-1).build()));
        client.dial(reserved.address()).close().join();
        client.dial(reserved.address());
        await().until(() -> server.sessionCount() == 1);
        client.shutdown(Duration.ofSeconds(1));
        assertThat(log.warnings("connection lost")).isEmpty();
    }

    @Test
    void aServerThatDropsTheClientAtOnceDoesNotMakeItLogOrDialInALoop() throws IOException {
        int port = reserved.port();
        PostAccept refusing = s -> new Rerror(403, "Forbidden", "not you");
        server(port, refusing);
        Peer client = peers.add(Peer.builder().configure(c -> c.redialTimes(-1).redialInterval(Duration.ofMillis(100))
                .redialMaxInterval(Duration.ofSeconds(60))).timer(timer).build());
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> timer.pendingOf("Redialer") == 1);
        for (int cycle = 1; cycle <= 12; cycle++) {
            timer.advance(Duration.ofMinutes(1));
            int scheduled = cycle + 1;
            await().until(() -> timer.delaysOf("Redialer").size() == scheduled && timer.pendingOf("Redialer") == 1);
        }
        assertThat(log.warnings("connection lost")).as("one outage, however often it came back for a moment").hasSize(1);
        assertThat(log.warnings("redial attempt")).hasSize(2);
        assertThat(log.warnings("redial attempt").get(0)).contains("connected, then lost again");
        List<Duration> waits = timer.delaysOf("Redialer");
        assertThat(waits.get(waits.size() - 1)).as("the waits kept growing").isGreaterThan(Duration.ofSeconds(20));
        assertThat(session.closeFuture()).isNotDone();
    }

    @Test
    void aProcessOfManySessionsLogsTheFirstTenOfEachKindAndCountsTheRest() throws IOException {
        int port = reserved.port();
        Peer first = server(port);
        Peer client = peers.add(Peer.builder().configure(c -> c.redialTimes(-1).redialInterval(Duration.ofMillis(100))
                .redialMaxInterval(Duration.ofMillis(100))).timer(timer).build());
        for (int i = 0; i < 30; i++) {
            client.dial("127.0.0.1:" + port);
        }
        await().until(() -> first.sessionCount() == 30);
        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> timer.pendingOf("Redialer") == 30);

        assertThat(log.warnings("connection lost, redialing")).hasSize(10);
        // The first left out is said at once, the others with the count when the interval ends; the client's
        // I/O threads may each count one before the first line is written.
        assertThat(log.warnings("'connection lost' lines of more sessions left out (the first 10 in 10 s are written)"))
                .singleElement().asString().containsPattern(": [1-9][0-9]* since the last report");
        // At the level of the lines it counts: successful dials are no warning.
        assertThat(log.warnings("'dial ok' lines of more sessions left out")).isEmpty();
        assertThat(log.events(Level.INFO).stream().map(e -> e.getFormattedMessage())
                .filter(m -> m.contains("'dial ok' lines of more sessions left out")).toList()).singleElement()
                .asString().contains("latest: 127.0.0.1:");
    }
}
