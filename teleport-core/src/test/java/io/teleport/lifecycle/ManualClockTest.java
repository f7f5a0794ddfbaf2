package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.ManualTimer;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import static io.teleport.testing.PullFailures.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pull timeouts, redial backoff and drain deadlines on a {@link ManualTimer}: each fires exactly when
 * its time comes and not a tick before, and "not yet" is a fact (the task was not due), not a sleep.
 */
class ManualClockTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final ManualTimer timer = new ManualTimer();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);

    private Peer peer(Consumer<PeerConfig.Builder> settings, boolean manual) {
        var builder = Peer.builder().configure(settings);
        return peers.add((manual ? builder.timer(timer) : builder).build());
    }

    /** A server whose {@code /hold} handler waits for {@link #release}; returns its port. */
    private int holdingServer(Peer server) {
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            entered.countDown();
            release.await();
            return body;
        });
        return ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    /** A pull from a client of real time to {@code server}'s {@code /hold}, once its handler runs. */
    private CompletableFuture<String> heldPull(Peer server) {
        int port = holdingServer(server);
        Peer client = peer(c -> { }, false);
        CompletableFuture<String> pull = client.dial("127.0.0.1:" + port).pullAsync("/hold", "x", String.class);
        await().until(() -> entered.getCount() == 0);
        return pull;
    }

    @Test
    void aPullTimesOutWhenItsTimeoutPassesAndNotBefore() {
        try {
            int port = holdingServer(peer(c -> { }, false));
            Peer client = peer(c -> c.pullTimeout(Duration.ofSeconds(5)), true);
            Session session = client.dial("127.0.0.1:" + port);
            CompletableFuture<String> pull = session.pullAsync("/hold", "x", String.class);
            await().until(() -> timer.pendingOf("PendingCalls") == 1);

            timer.advance(Duration.ofMillis(4_999));
            assertThat(timer.pendingOf("PendingCalls")).as("not due yet").isEqualTo(1);
            assertThat(pull).isNotDone();

            timer.advance(Duration.ofMillis(1));
            await().until(pull::isDone);
            assertThat(code(pull)).isEqualTo(408);
            assertThat(timer.delaysOf("PendingCalls")).containsExactly(Duration.ofSeconds(5));
        } finally {
            release.countDown();
        }
    }

    @Test
    void redialWaitsDoubleUpToTheMaximumWithJitterThenGiveUpAfterTheConfiguredAttempts() {
        Peer server = peer(c -> { }, false);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(c -> c.redialTimes(3).redialInterval(Duration.ofMillis(100))
                .redialMaxInterval(Duration.ofMillis(300)), true);
        Session session = client.dial("127.0.0.1:" + port);
        // The connection is up on both ends (the client's dial returns once its own end is), then
        // the server goes away for good: every attempt is refused.
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));

        for (int attempt = 1; attempt <= 3; attempt++) {
            int scheduled = attempt;
            await().until(() -> timer.delaysOf("Redialer").size() == scheduled && timer.pendingOf("Redialer") == 1);
            assertThat(session.closeFuture()).as("redialing, attempt %d not yet made", attempt).isNotDone();
            timer.advance(Duration.ofMillis(300));
        }
        await().until(() -> session.closeFuture().isDone());
        assertThat(timer.pendingOf("Redialer")).as("no fourth attempt").isZero();

        List<Duration> waits = timer.delaysOf("Redialer");
        assertThat(waits).hasSize(3);
        // Each wait is the backoff step halved-to-whole by jitter: 100 ms, then 200, then 300 (the cap).
        assertThat(waits.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(waits.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(waits.get(2)).isBetween(Duration.ofMillis(150), Duration.ofMillis(300));
    }

    @Test
    void aDrainEndsWhenTheLastHandlerFinishesWithoutAnyTimerTick() throws Exception {
        Peer server = peer(c -> { }, true);
        CompletableFuture<String> pull = heldPull(server);
        Session accepted = server.sessions().iterator().next();

        CompletableFuture<Void> closed = accepted.close();
        assertThat(timer.pendingOf("SessionLifecycle")).as("the deadline is armed").isEqualTo(1);
        assertThat(closed).isNotDone();

        release.countDown();
        assertThat(pull.get()).as("the in-flight pull is answered").isEqualTo("x");
        await().until(closed::isDone);
    }

    @Test
    void aDrainThatOutlivesItsTimeoutClosesAtTheDeadline() {
        try {
            Peer server = peer(c -> { }, true);
            CompletableFuture<String> pull = heldPull(server);
            Session accepted = server.sessions().iterator().next();

            CompletableFuture<Void> closed = ((io.teleport.internal.session.DefaultSession) accepted)
                    .close(Duration.ofSeconds(10));
            timer.advance(Duration.ofMillis(9_999));
            assertThat(closed).as("a handler still runs and the deadline is not due").isNotDone();

            timer.advance(Duration.ofMillis(1));
            await().until(closed::isDone);
            await().until(pull::isDone);
            assertThat(code(pull)).as("the caller learns the connection closed").isEqualTo(102);
        } finally {
            release.countDown();
        }
    }
}
