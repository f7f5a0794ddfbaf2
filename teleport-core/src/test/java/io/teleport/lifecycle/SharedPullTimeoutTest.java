package io.teleport.lifecycle;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.teleport.Peer;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.ManualTimer;
import io.teleport.testing.SilentServer;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static io.teleport.testing.PullFailures.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session's pulls share one timeout, armed for the earliest deadline among them: many pulls arm
 * it once, a shorter timeout arms it earlier, it arms itself again for the pulls still waiting when
 * it fires, and it goes with the session. Time is a {@link ManualTimer}'s, so "not yet" is a fact.
 */
class SharedPullTimeoutTest {

    private static final String OWNER = "PendingCalls";

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final ManualTimer timer = new ManualTimer();
    /** When set, the client's timer refuses new timeouts, as one with a bound on them does when full. */
    private volatile boolean refusing;
    /** When set, the client's timer hands back handles of its own rather than the ones its tasks get. */
    private volatile boolean wrapHandles;
    private SilentServer silent;

    @AfterEach
    void closeSilent() throws IOException {
        if (silent != null) {
            silent.close();
        }
    }

    /** {@code pull} is the one pull the session still waits for: its timeout has not come. */
    private static void assertOnlyWaiting(Session session, CompletableFuture<?> pull) {
        assertThat(session.pendingPulls()).isOne();
        assertThat(pull).isNotDone();
    }

    /** A session to a server that accepts the connection and never answers anything. */
    private Session sessionToSilentServer(Duration pullTimeout) throws IOException {
        silent = new SilentServer();
        Timer bounded = new Timer() {
            @Override
            public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
                if (refusing) {
                    throw new RejectedExecutionException("1 pending timeouts: the maximum");
                }
                Timeout handle = timer.newTimeout(task, delay, unit);
                return wrapHandles ? new Handle(handle) : handle;
            }

            @Override
            public Set<Timeout> stop() {
                return timer.stop();
            }
        };
        Peer client = peers.add(Peer.builder().configure(c -> c.pullTimeout(pullTimeout)).timer(bounded).build());
        return client.dial(silent.address());
    }

    /** A timer's handle of its own over the timeout it made. */
    private record Handle(Timeout inner) implements Timeout {
        @Override
        public Timer timer() {
            return inner.timer();
        }

        @Override
        public TimerTask task() {
            return inner.task();
        }

        @Override
        public boolean isExpired() {
            return inner.isExpired();
        }

        @Override
        public boolean isCancelled() {
            return inner.isCancelled();
        }

        @Override
        public boolean cancel() {
            return inner.cancel();
        }
    }


    @Test
    void manyPullsOnASessionArmOneTimeoutThatEndsThemAllAtTheirDeadline() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(5));
        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pulls.add(session.pullAsync("/never", "x" + i, String.class));
        }
        assertThat(timer.delaysOf(OWNER)).as("one timeout for the fifty").containsExactly(Duration.ofSeconds(5));
        assertThat(timer.pendingOf(OWNER)).isEqualTo(1);

        timer.advance(Duration.ofMillis(4_999));
        // Taken from the pending calls on the timer's thread (here), ended after, on another.
        assertThat(session.pendingPulls()).isEqualTo(50);
        assertThat(pulls).noneMatch(CompletableFuture::isDone);

        timer.advance(Duration.ofMillis(1));
        await().until(pulls.get(0)::isDone);
        // Each later pull's deadline is its own, behind the first's by the (real) time between them: the
        // timeout, armed again for the next one each time, ends them in turn as this clock moves on.
        for (int step = 0; step < 1_000 && !pulls.stream().allMatch(CompletableFuture::isDone); step++) {
            timer.advance(Duration.ofMillis(1));
        }
        assertThat(pulls).allSatisfy(p -> assertThat(code(p)).isEqualTo(408));
        assertThat(timer.pendingOf(OWNER)).as("nothing waits, nothing is armed").isZero();
    }

    @Test
    void aShorterTimeoutArmsEarlierAndTheLongerOneStillEndsAtItsOwn() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(60));
        CompletableFuture<String> longer = session.pullAsync("/never", "a", String.class);
        CompletableFuture<String> shorter = session.pullAsync("/never", "b", String.class,
                CallOptions.timeout(Duration.ofSeconds(2)));
        assertThat(timer.delaysOf(OWNER)).containsExactly(Duration.ofSeconds(60), Duration.ofSeconds(2));
        assertThat(timer.pendingOf(OWNER)).as("the later one was cancelled").isEqualTo(1);

        timer.advance(Duration.ofSeconds(2));
        await().until(shorter::isDone);
        assertThat(code(shorter)).isEqualTo(408);
        assertOnlyWaiting(session, longer);
        assertThat(timer.pendingOf(OWNER)).as("armed again for the pull still waiting").isEqualTo(1);

        // 58 seconds later, less the (real) time between the two pulls.
        timer.advance(Duration.ofSeconds(50));
        assertOnlyWaiting(session, longer);
        timer.advance(Duration.ofSeconds(8));
        await().until(longer::isDone);
        assertThat(code(longer)).isEqualTo(408);
    }

    @Test
    void aLongerTimeoutWaitsForTheArmedOneAndIsEndedWhenItsOwnDeadlineComes() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(2));
        CompletableFuture<String> first = session.pullAsync("/never", "a", String.class);
        CompletableFuture<String> later = session.pullAsync("/never", "b", String.class,
                CallOptions.timeout(Duration.ofSeconds(60)));
        assertThat(timer.delaysOf(OWNER)).as("the later deadline arms nothing").containsExactly(Duration.ofSeconds(2));

        timer.advance(Duration.ofSeconds(2));
        await().until(first::isDone);
        assertOnlyWaiting(session, later);

        timer.advance(Duration.ofSeconds(57));
        assertOnlyWaiting(session, later);
        // 58 seconds after the first, plus the (real) time between the two pulls.
        timer.advance(Duration.ofSeconds(20));
        await().until(later::isDone);
        assertThat(code(later)).isEqualTo(408);
    }

    @Test
    void aTimerThatHandsItsTaskAnotherTimeoutStillEndsEveryPull() throws IOException {
        // An application's timer whose handles are its own objects, not the ones its tasks are given.
        wrapHandles = true;
        Session session = sessionToSilentServer(Duration.ofSeconds(2));
        CompletableFuture<String> first = session.pullAsync("/never", "a", String.class);
        CompletableFuture<String> later = session.pullAsync("/never", "b", String.class,
                CallOptions.timeout(Duration.ofSeconds(60)));

        timer.advance(Duration.ofSeconds(2));
        await().until(first::isDone);
        timer.advance(Duration.ofSeconds(80));
        await().until(later::isDone);
        assertThat(code(later)).isEqualTo(408);
    }

    @Test
    void aTimeoutOfCenturiesArmedFirstIsNotDueAtOnce() throws IOException {
        Session session = sessionToSilentServer(Duration.ofDays(365L * 1_000));
        // A timer whose clock has moved on, as any real one's has: a delay of Long.MAX_VALUE would wrap.
        timer.advance(Duration.ofSeconds(1));
        CompletableFuture<String> never = session.pullAsync("/never", "a", String.class);

        timer.advance(Duration.ofDays(1));
        assertOnlyWaiting(session, never);
    }

    @Test
    void aPerCallTimeoutOfCenturiesIsTheLongestRatherThanAnError() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(1));
        CompletableFuture<String> soon = session.pullAsync("/never", "a", String.class);
        CompletableFuture<String> never = session.pullAsync("/never", "b", String.class,
                CallOptions.timeout(Duration.ofDays(365L * 1_000)));

        timer.advance(Duration.ofSeconds(1));
        await().until(soon::isDone);
        assertThat(code(soon)).isEqualTo(408);
        timer.advance(Duration.ofDays(1));
        assertOnlyWaiting(session, never);
    }

    @Test
    void theTimeoutGoesWithTheSession() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(60));
        CompletableFuture<String> pull = session.pullAsync("/never", "a", String.class);
        assertThat(timer.pendingOf(OWNER)).isEqualTo(1);

        // A graceful close waits for the pull's reply up to the shutdown timeout (15 s), then closes.
        CompletableFuture<Void> closed = session.close();
        timer.advance(Duration.ofSeconds(15));
        await().until(closed::isDone);
        await().until(pull::isDone);
        assertThat(code(pull)).as("ended by the close").isEqualTo(102);
        assertThat(timer.pendingOf(OWNER)).as("the closed session holds no timeout").isZero();
    }

    @Test
    void pullsStillWaitingEndWhenTheTimerRefusesToArmAgain() throws IOException {
        Session session = sessionToSilentServer(Duration.ofSeconds(2));
        CompletableFuture<String> first = session.pullAsync("/never", "a", String.class);
        CompletableFuture<String> later = session.pullAsync("/never", "b", String.class,
                CallOptions.timeout(Duration.ofSeconds(5)));
        // An application's timer with a bound on its timeouts, full when the first deadline comes.
        refusing = true;

        timer.advance(Duration.ofSeconds(2));
        await().until(() -> first.isDone() && later.isDone());
        assertThat(code(first)).isEqualTo(408);
        assertThat(code(later)).as("ended rather than left without a timeout").isEqualTo(408);
        assertThat(later.handle((v, e) -> e.getMessage()).join()).contains("timer refused");
    }

    @Test
    void pullsAnsweredBeforeTheirDeadlineAreNotEndedByIt() {
        Peer server = peers.add(Peer.builder().build());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(Peer.builder().configure(c -> c.pullTimeout(Duration.ofSeconds(5))).timer(timer).build());
        Session session = client.dial("127.0.0.1:" + port);
        for (int i = 0; i < 20; i++) {
            assertThat(session.pull("/echo", "x" + i, String.class)).isEqualTo("x" + i);
        }
        assertThat(timer.delaysOf(OWNER)).as("armed by the first pull only").hasSize(1);

        timer.advance(Duration.ofSeconds(5));
        assertThat(timer.pendingOf(OWNER)).as("it fired, found nothing waiting, and stayed unarmed").isZero();
        assertThat(session.pull("/echo", "after", String.class)).isEqualTo("after");
        assertThat(timer.delaysOf(OWNER)).as("the next pull arms it again").hasSize(2);
    }
}
