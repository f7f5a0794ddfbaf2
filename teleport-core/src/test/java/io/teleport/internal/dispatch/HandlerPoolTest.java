package io.teleport.internal.dispatch;

import io.netty.util.HashedWheelTimer;
import io.netty.util.NettyRuntime;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class HandlerPoolTest {

    private static final long PERIOD = HandlerPool.PERIOD_NANOS;

    /** The pool's clock, moved by the test: growth depends on time passing, never on the machine's speed. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();
    private final List<HandlerPool> pools = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        for (HandlerPool pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** What the pool's reading of its threads says: the tests decide what they did. */
    private volatile ThreadCpu.Use use = ThreadCpu.Use.WAITING;

    private HandlerPool pool(int base, int max, int queue) {
        HandlerPool pool = new HandlerPool(base, max, queue, now::get, null, new ThreadCpu() {
            @Override
            Use use(int poolSize) {
                return use;
            }
        });
        pools.add(pool);
        return pool;
    }

    /** Tasks that block until the test ends; {@link #started} counts those that began. */
    private void blocking(HandlerPool pool, int tasks) {
        for (int i = 0; i < tasks; i++) {
            pool.execute(() -> {
                started.incrementAndGet();
                waitFor(release);
            });
        }
    }

    /** One look at the pool, a period after the last. */
    private void look(HandlerPool pool) {
        now.addAndGet(PERIOD);
        pool.relieveStarvation();
    }

    @Test
    void threadsThatKeepTakingWorkAreNotJoinedByMore() {
        HandlerPool pool = pool(2, 50, 10_000);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 2_000; i++) {
            // Work waits in the queue and time passes as the threads work through it: they are
            // busy, not held up, and more threads would only share the same cores.
            pool.execute(() -> {
                now.addAndGet(PERIOD / 4);
                ran.incrementAndGet();
            });
            pool.relieveStarvation();
        }
        await().until(() -> ran.get() == 2_000);
        assertThat(pool.getLargestPoolSize()).isEqualTo(2);
    }

    @Test
    void threadsBlockedAtTwoLooksInARowAreJoinedByHalfAsManyAgain() {
        HandlerPool pool = pool(2, 5, 100);
        blocking(pool, 20);
        await().until(() -> started.get() == 2);
        look(pool);
        look(pool);
        assertThat(pool.getPoolSize()).as("one look only raises the suspicion").isEqualTo(2);
        look(pool);
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
        await().until(() -> started.get() == 4);

        look(pool);
        look(pool);
        look(pool);
        look(pool);
        look(pool);
        // Five configured threads and a reserve of one, which tasks of no sender may use.
        assertThat(pool.getCorePoolSize()).as("never past the maximum").isEqualTo(6);
        await().until(() -> started.get() == 6);
    }

    @Test
    void threadsStarvedOfCoresAreNotJoinedEvenWhenNoneTakesWork() {
        // Ready to run but finding every core taken: more threads would queue for the same cores.
        use = ThreadCpu.Use.WAITING_FOR_CORES;
        assertThat(sizeAfterBlocked(5)).isEqualTo(2);
    }

    @Test
    void threadsStarvedOfCoresThatTakeWorkSlowlyAreNotJoined() {
        use = ThreadCpu.Use.WAITING_FOR_CORES;
        assertThat(sizeAfterSlowTaking()).isEqualTo(2);
    }

    @Test
    void threadsStarvedOfCoresAreJoinedOnceTheOldestMessageHasWaitedHalfASecond() {
        // A handler that blocks, then waits as long for a core, reads as starved: the queue's wait stays bounded.
        use = ThreadCpu.Use.WAITING_FOR_CORES;
        HandlerPool pool = pool(2, 5, 100);
        long queuedAt = now.get();
        for (int i = 0; i < 20; i++) {
            pool.execute(queuedAt(queuedAt, () -> {
                started.incrementAndGet();
                waitFor(release);
            }));
        }
        await().until(() -> started.get() == 2);
        look(pool);
        look(pool);
        look(pool);
        assertThat(pool.getCorePoolSize()).as("waited under half a second").isEqualTo(2);
        now.addAndGet(HandlerPool.STARVED_MAX_WAIT_NANOS);
        look(pool);
        look(pool);
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
    }

    @Test
    void threadsStuckComputingAreJoinedSoThatTheRestOfTheWorkMovesOn() {
        // A few long CPU-bound tasks must not hold up every message queued behind them.
        use = ThreadCpu.Use.COMPUTING;
        assertThat(sizeAfterBlocked(3)).isEqualTo(4);
    }

    /** Both of a pool's two threads held (none takes work), 20 messages queued; its core size after {@code looks} looks. */
    private int sizeAfterBlocked(int looks) {
        HandlerPool pool = pool(2, 5, 100);
        blocking(pool, 20);
        await().until(() -> started.get() == 2);
        for (int i = 0; i < looks; i++) {
            look(pool);
        }
        return pool.getCorePoolSize();
    }

    @Test
    void threadsThatTakeWorkTooSlowlyAreJoined() {
        assertThat(sizeAfterSlowTaking()).isGreaterThan(2);
    }

    @Test
    void threadsThatTakeWorkSlowlyBecauseTheyComputeAreNotJoined() {
        // More threads on the same cores would not finish a CPU-bound backlog sooner.
        use = ThreadCpu.Use.COMPUTING;
        assertThat(sizeAfterSlowTaking()).isEqualTo(2);
    }

    /**
     * Two threads take work, one message a period, while the oldest queued message has waited past
     * {@link HandlerPool#MAX_WAIT_NANOS}; returns the pool's core size after three looks.
     */
    private int sizeAfterSlowTaking() {
        HandlerPool pool = pool(2, 10, 100);
        Semaphore done = new Semaphore(0);
        long queuedAt = now.get();
        for (int i = 0; i < 30; i++) {
            pool.execute(queuedAt(queuedAt, () -> {
                started.incrementAndGet();
                done.acquireUninterruptibly();
            }));
        }
        await().until(() -> started.get() == 2);
        now.addAndGet(HandlerPool.MAX_WAIT_NANOS);
        for (int i = 0; i < 3; i++) {
            int next = started.get() + 1;
            done.release();
            await().until(() -> started.get() >= next);
            look(pool);
        }
        int size = pool.getCorePoolSize();
        done.release(100);
        return size;
    }

    @Test
    void aPauseOfTheWholeProcessIsNotTakenForBlockedThreads() {
        HandlerPool pool = pool(2, 50, 10_000);
        CountDownLatch busy = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                started.incrementAndGet();
                waitFor(busy);
            });
        }
        for (int i = 0; i < 10; i++) {
            pool.execute(ran::incrementAndGet);
        }
        await().until(() -> started.get() == 2);
        look(pool);
        // A pause: a long stretch without any take, seen by one look...
        now.addAndGet(PERIOD * 3);
        pool.relieveStarvation();
        // ...after which the threads go on taking work before the next one.
        busy.countDown();
        await().until(() -> ran.get() == 10);
        blocking(pool, 3);
        await().until(() -> started.get() == 4);
        look(pool);
        assertThat(pool.getCorePoolSize()).isEqualTo(2);
    }

    @Test
    void aFullQueueStartsThreadsUpToTheMaximumThenRefuses() {
        HandlerPool pool = pool(1, 3, 2);
        blocking(pool, 5);
        assertThat(pool.getPoolSize()).isEqualTo(3);
        assertThat(pool.getQueue()).hasSize(2);
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aSenderHeldBackByTheReserveIsRefusedPastAFullQueueRatherThanGivenAThread() {
        // Four configured threads and one in reserve; a queue of one.
        HandlerPool pool = pool(1, 4, 1);
        FairQueue.Lane heavy = new FairQueue.Lane();
        AtomicInteger heavyStarted = new AtomicInteger();
        for (int i = 1; i <= 5; i++) {
            pool.execute(inLane(heavy, () -> {
                heavyStarted.incrementAndGet();
                waitFor(release);
            }));
            // One at a time, so that each sees the last one counted as running.
            int expected = i == 1 ? 1 : i - 1;
            await().until(() -> heavyStarted.get() == expected);
        }
        assertThat(pool.getQueue()).as("the second waits in the queue").hasSize(1);
        assertThat(pool.getPoolSize()).as("the others started threads past the full queue").isEqualTo(4);
        // Past the configured four, the fifth thread would be the reserve's.
        assertThatThrownBy(() -> pool.execute(inLane(heavy, () -> { }))).isInstanceOf(RejectedExecutionException.class);
        assertThat(pool.getPoolSize()).isEqualTo(4);

        AtomicInteger quietRan = new AtomicInteger();
        pool.execute(inLane(new FairQueue.Lane(), quietRan::incrementAndGet));
        look(pool);
        look(pool);
        look(pool);
        await().atMost(5, TimeUnit.SECONDS).until(() -> quietRan.get() == 1);
        assertThat(heavyStarted.get()).as("the heavy sender's queued one still waits").isEqualTo(4);
    }

    @Test
    void extraThreadsEndAMinuteAfterTheyWereLastNeeded() throws Exception {
        HandlerPool pool = pool(2, 10, 100);
        CountDownLatch work = new CountDownLatch(1);
        for (int i = 0; i < 10; i++) {
            pool.execute(() -> {
                started.incrementAndGet();
                waitFor(work);
            });
        }
        await().until(() -> started.get() == 2);
        look(pool);
        look(pool);
        look(pool);
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
        await().until(() -> started.get() == 4);
        work.countDown();
        await().until(() -> pool.getActiveCount() == 0 && pool.getQueue().isEmpty());
        pool.shrinkIfIdle();
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        pool.shrinkIfIdle();
        assertThat(pool.getCorePoolSize()).as("back to its base").isEqualTo(2);
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.getPoolSize() == 2);
    }

    @Test
    void threadsBusyOnlyWaitingForCoresDoNotKeepTheExtraThreadsPastTheMinute() {
        HandlerPool pool = pool(2, 10, 100);
        blocking(pool, 10);
        await().until(() -> started.get() == 2);
        look(pool);
        look(pool);
        look(pool);
        await().until(() -> started.get() == 4);
        pool.shrinkIfIdle();
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        pool.shrinkIfIdle();
        assertThat(pool.getCorePoolSize()).as("all four busy, blocked: all four needed").isEqualTo(4);

        use = ThreadCpu.Use.WAITING_FOR_CORES;
        look(pool);
        pool.shrinkIfIdle();
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        look(pool);
        pool.shrinkIfIdle();
        assertThat(pool.getCorePoolSize()).as("all four busy, queued for cores: back to its base").isEqualTo(2);
    }

    @Test
    void aLookThatFoundThreadsWaitingForCoresNoLongerCountsOnceItIsOld() {
        // Looks stop when the queue empties; threads busy since (in long blocking calls) are counted.
        HandlerPool pool = pool(2, 10, 100);
        blocking(pool, 4);
        await().until(() -> started.get() == 2);
        blocking(pool, 1);
        look(pool);
        look(pool);
        look(pool);
        await().until(() -> started.get() == 4);
        use = ThreadCpu.Use.WAITING_FOR_CORES;
        look(pool);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        pool.shrinkIfIdle();
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        pool.shrinkIfIdle();
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
    }

    @Test
    void theTimerLooksOnlyWhileThereIsSomethingToGrowOrShrink() {
        CountingTimer timer = new CountingTimer();
        try {
            // Room for 20 threads above the base whatever the number of cores.
            HandlerPool pool = HandlerPool.create(NettyRuntime.availableProcessors() + 20, 1_000, timer);
            pools.add(pool);
            int base = pool.getCorePoolSize();
            pool.execute(started::incrementAndGet);
            await().until(() -> started.get() == 1);
            assertThat(timer.scheduled).as("an idle pool wakes nothing up").hasValue(0);
            // Blocked threads and no submission after the burst: only the timer's looks can grow the pool.
            blocking(pool, base + 20);
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.getCorePoolSize() > base);
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.getQueue().isEmpty());
            // Nothing waits any more, but above its base the pool keeps looking, to shrink later.
            int looks = timer.scheduled.get();
            await().atMost(5, TimeUnit.SECONDS).until(() -> timer.scheduled.get() >= looks + 3);
        } finally {
            timer.stop();
        }
    }

    @Test
    void aTaskQueuedIsNotFailedWhenTheTimerHasNoMemoryForTheLook() throws Exception {
        Timer noMemory = new Timer() {
            @Override
            public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
                throw new OutOfMemoryError("test: no memory for the timeout");
            }

            @Override
            public Set<Timeout> stop() {
                return Set.of();
            }
        };
        HandlerPool pool = HandlerPool.create(1, 10, noMemory);
        pools.add(pool);
        CountDownLatch release = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // Queued behind the busy thread: the look it arms fails, but the task is the pool's already, and
        // a caller told otherwise would answer it twice (once refused, once run).
        pool.execute(started::incrementAndGet);
        release.countDown();
        await().until(() -> started.get() == 1);
    }

    /** A timer that counts the looks scheduled on it. */
    private static final class CountingTimer implements Timer {
        final AtomicInteger scheduled = new AtomicInteger();
        private final HashedWheelTimer wheel = new HashedWheelTimer(10, TimeUnit.MILLISECONDS);

        @Override
        public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
            scheduled.incrementAndGet();
            return wheel.newTimeout(task, delay, unit);
        }

        @Override
        public Set<Timeout> stop() {
            return wheel.stop();
        }
    }

    /** A task of the sender whose lane is {@code lane}. */
    private static HandlerPool.Queued inLane(FairQueue.Lane lane, Runnable body) {
        return task(System.nanoTime(), lane, body);
    }

    /** A task the pool takes as queued at {@code nanos} on its clock. */
    private static HandlerPool.Queued queuedAt(long nanos, Runnable body) {
        return task(nanos, null, body);
    }

    private static HandlerPool.Queued task(long nanos, FairQueue.@Nullable Lane lane, Runnable body) {
        return new HandlerPool.Queued() {
            @Override
            public void run() {
                body.run();
            }

            @Override
            public long queuedNanos() {
                return nanos;
            }

            @Override
            public FairQueue.@Nullable Lane lane() {
                return lane;
            }
        };
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
