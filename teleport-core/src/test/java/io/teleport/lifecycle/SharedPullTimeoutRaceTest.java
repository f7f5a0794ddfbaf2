package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.internal.session.DefaultSession;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.SilentServer;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.teleport.testing.PullFailures.code;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session's one pull timeout under threads that pull with short timeouts of their own while
 * sessions close, on the peer's real timer: every pull ends (times out, or fails with its closed
 * session), none is left without a timeout. The interleavings are random; the seed is printed, and
 * {@code -Dteleport.race.seed} replays it.
 */
class SharedPullTimeoutRaceTest {

    private static final long SEED = Long.getLong("teleport.race.seed", new SplittableRandom().nextLong());

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final SilentServer silent = new SilentServer();

    SharedPullTimeoutRaceTest() throws IOException {
    }

    @AfterEach
    void closeSilent() throws IOException {
        silent.close();
    }

    @Test
    void everyPullEndsWhileThreadsPullWithTheirOwnTimeoutsAndSessionsClose() throws Exception {
        System.out.println("SharedPullTimeoutRaceTest: seed " + SEED + " (replay with -Dteleport.race.seed=" + SEED + ")");
        Peer client = peers.add(Peer.builder().configure(c -> c.pullTimeout(Duration.ofMillis(30))).build());
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(client.dial(silent.address()));
        }

        int threads = 4;
        int pullsEach = 150;
        Queue<CompletableFuture<String>> pulls = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(SEED + t);
                pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < pullsEach; i++) {
                        Session session = sessions.get(random.nextInt(sessions.size()));
                        pulls.add(random.nextBoolean() ? session.pullAsync("/never", "x", String.class)
                                : session.pullAsync("/never", "x", String.class,
                                CallOptions.timeout(Duration.ofMillis(1 + random.nextInt(40)))));
                        if (random.nextInt(8) == 0) {
                            Thread.sleep(random.nextInt(3));
                        }
                    }
                    return null;
                });
            }
            SplittableRandom closer = new SplittableRandom(SEED - 1);
            pool.submit(() -> {
                start.await();
                // Two sessions close while the pulls on them are being made and timed.
                Thread.sleep(5 + closer.nextInt(20));
                ((DefaultSession) sessions.get(0)).close(Duration.ZERO);
                Thread.sleep(closer.nextInt(20));
                ((DefaultSession) sessions.get(1)).close(Duration.ZERO);
                return null;
            });
            start.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> all = CompletableFuture.allOf(pulls.toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null);
            assertThat(all).as("seed %d: every pull ended", SEED).succeedsWithin(Duration.ofSeconds(10));
            assertThat(pulls).hasSize(threads * pullsEach);
            for (CompletableFuture<String> pull : pulls) {
                assertThat(code(pull)).as("seed %d: a pull to a server that never answers", SEED).isIn(408, 102, 104);
            }
            for (Session session : sessions) {
                assertThat(((DefaultSession) session).pendingPulls()).as("seed %d", SEED).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
