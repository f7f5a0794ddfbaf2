package io.teleport.internal.dispatch;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler pool's wake-ups from I/O threads: once per event-loop turn for what the turn queued,
 * earlier when a turn queues many, at once from any other thread, and never lost.
 */
class TurnWakeupsTest {

    private EventLoopGroup loops;
    private HandlerPool pool;

    @BeforeEach
    void start() throws InterruptedException {
        loops = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
        pool = new HandlerPool(2, 2, 10_000, System::nanoTime, null);
        pool.prestartAllCoreThreads();
        // Both threads parked on the empty queue: a task can only run once one is woken. A started
        // thread counts as idle before it first reaches the queue, so their states are what tells.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (parkedPoolThreads() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50);
    }

    /** This test's pool threads parked on its queue (earlier tests' pools are shut down by then). */
    private static long parkedPoolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("teleport-handler") && t.isAlive()
                        && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING))
                .count();
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void tasksQueuedInATurnWaitForItsEndAndAllRunThen() throws Exception {
        CountDownLatch ran = new CountDownLatch(5);
        AtomicInteger ranDuringTurn = new AtomicInteger(-1);
        loops.next().submit(() -> {
            for (int i = 0; i < 5; i++) {
                pool.execute(ran::countDown);
            }
            // Still in the turn: nobody was woken, so nothing has run.
            sleep(150);
            ranDuringTurn.set((int) (5 - ran.getCount()));
        }).sync();
        assertThat(ran.await(5, TimeUnit.SECONDS)).as("every task ran after the turn").isTrue();
        assertThat(ranDuringTurn.get()).as("tasks run while the turn that queued them lasted").isZero();
    }

    @Test
    void aTurnThatQueuesOneTaskWakesAThreadAtItsEnd() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        loops.next().submit(() -> pool.execute(ran::countDown)).sync();
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    /** A loop with no I/O turns (a user's {@code DefaultEventLoop}) still wakes them once its task is done. */
    @Test
    void aTaskFromAPlainEventLoopWakesAThreadOnceThatLoopsTaskIsDone() throws Exception {
        DefaultEventLoop plain = new DefaultEventLoop();
        try {
            CountDownLatch ran = new CountDownLatch(3);
            for (int i = 0; i < 3; i++) {
                plain.submit(() -> pool.execute(ran::countDown)).sync();
            }
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            plain.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void twoPoolsQueuedFromOneTurnAreBothWoken() throws Exception {
        HandlerPool other = new HandlerPool(1, 1, 100, System::nanoTime, null);
        other.prestartAllCoreThreads();
        try {
            Thread.sleep(50);
            CountDownLatch ran = new CountDownLatch(4);
            loops.next().submit(() -> {
                pool.execute(ran::countDown);
                other.execute(ran::countDown);
                pool.execute(ran::countDown);
                other.execute(ran::countDown);
            }).sync();
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void aTurnThatQueuesManyWakesThreadsBeforeItEnds() throws Exception {
        CountDownLatch ran = new CountDownLatch(TurnWakeups.EARLY);
        AtomicInteger ranDuringTurn = new AtomicInteger(-1);
        loops.next().submit(() -> {
            for (int i = 0; i < TurnWakeups.EARLY; i++) {
                pool.execute(ran::countDown);
            }
            try {
                ran.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ranDuringTurn.set((int) (TurnWakeups.EARLY - ran.getCount()));
        }).sync();
        assertThat(ranDuringTurn.get()).as("tasks run while a long turn lasted").isEqualTo(TurnWakeups.EARLY);
    }

    @Test
    void aTaskFromAnyOtherThreadWakesAThreadAtOnce() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        pool.execute(ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    /** Random turns on two loops, with threads sometimes busy and sometimes parked: no task is left waiting. */
    @Test
    void noTaskIsLeftWaitingWhateverTheTurnsQueue() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int turns = 400;
        AtomicInteger expected = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> submitted = new ArrayList<>();
        for (int t = 0; t < turns; t++) {
            int n = random.nextInt(2 * TurnWakeups.EARLY + 2);
            int work = random.nextInt(3);
            expected.addAndGet(n);
            submitted.add(loops.next().submit(() -> {
                for (int i = 0; i < n; i++) {
                    pool.execute(() -> {
                        if (work > 0) {
                            // Sometimes busy, so later turns find threads not waiting.
                            long until = System.nanoTime() + work * 20_000L;
                            while (System.nanoTime() < until) {
                                Thread.onSpinWait();
                            }
                        }
                        done.incrementAndGet();
                    });
                }
            }));
            if (random.nextInt(8) == 0) {
                // Let the threads drain and park, so that the next turns must wake them.
                Thread.sleep(2);
            }
        }
        for (Future<?> f : submitted) {
            f.get(5, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (done.get() < expected.get() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(done.get()).as("tasks run (seed %d)", seed).isEqualTo(expected.get());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
