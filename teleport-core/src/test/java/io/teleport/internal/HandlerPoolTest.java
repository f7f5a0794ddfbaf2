package io.teleport.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class HandlerPoolTest {

    private static final long PERIOD = HandlerPool.STARVATION_NANOS;

    /** The pool's clock, moved by the test: growth depends on time passing, never on the machine's speed. */
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<HandlerPool> pools = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        for (HandlerPool pool : pools) {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private HandlerPool pool(int base, int max, int queue) {
        HandlerPool pool = new HandlerPool(base, max, queue, now::get);
        pools.add(pool);
        return pool;
    }

    private void blocking(HandlerPool pool, int tasks) {
        for (int i = 0; i < tasks; i++) {
            pool.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }

    @Test
    void threadsThatKeepTakingWorkAreNotJoinedByMore() throws Exception {
        HandlerPool pool = pool(2, 50, 10_000);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 2_000; i++) {
            // Work waits in the queue and time passes as the threads work through it: they are
            // busy, not stuck, and more threads would only share the same cores.
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
    void threadsStuckForTwoPeriodsAreJoinedByHalfAsManyAgainEachTime() {
        HandlerPool pool = pool(2, 5, 100);
        blocking(pool, 20);
        await().until(() -> pool.getActiveCount() == 2);
        assertThat(pool.getPoolSize()).isEqualTo(2);

        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        assertThat(pool.getPoolSize()).as("one period only raises the suspicion").isEqualTo(2);
        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
        await().until(() -> pool.getActiveCount() == 4);

        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        assertThat(pool.getCorePoolSize()).as("never past the maximum").isEqualTo(5);
        await().until(() -> pool.getActiveCount() == 5);
    }

    @Test
    void aPauseOfTheWholeProcessIsNotTakenForStuckThreads() throws Exception {
        HandlerPool pool = pool(2, 50, 10_000);
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() -> waitFor(busy));
        pool.execute(() -> waitFor(busy));
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            pool.execute(ran::incrementAndGet);
        }
        await().until(() -> pool.getActiveCount() == 2);
        // A pause: a period without any take, seen once...
        now.addAndGet(PERIOD * 3);
        pool.relieveStarvation();
        // ...after which the threads go on taking work.
        busy.countDown();
        await().until(() -> ran.get() == 10);
        now.addAndGet(PERIOD);
        pool.execute(ran::incrementAndGet);
        pool.relieveStarvation();
        assertThat(pool.getCorePoolSize()).isEqualTo(2);
    }

    @Test
    void anIdleThreadAboutToTakeTheWorkIsNotStuck() throws Exception {
        HandlerPool pool = pool(2, 50, 10_000);
        AtomicInteger ran = new AtomicInteger();
        pool.execute(ran::incrementAndGet);
        pool.execute(ran::incrementAndGet);
        await().until(() -> ran.get() == 2 && pool.getActiveCount() == 0);
        // Long idle, then a burst: the idle threads take it, whatever the clock says.
        now.addAndGet(PERIOD * 100);
        for (int i = 0; i < 3; i++) {
            pool.relieveStarvation();
            now.addAndGet(PERIOD);
        }
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
    void extraThreadsGoAfterAMinuteWithoutNeed() {
        HandlerPool pool = pool(2, 10, 100);
        blocking(pool, 10);
        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        now.addAndGet(PERIOD);
        pool.relieveStarvation();
        assertThat(pool.getCorePoolSize()).isEqualTo(4);
        release.countDown();
        await().until(() -> pool.getActiveCount() == 0 && pool.getQueue().isEmpty());
        pool.shrinkIfIdle();
        now.addAndGet(TimeUnit.SECONDS.toNanos(61));
        pool.shrinkIfIdle();
        // The busiest sample of the minute may have caught the last tasks running: at most that many stay.
        assertThat(pool.getCorePoolSize()).isLessThan(4).isGreaterThanOrEqualTo(pool.baseThreads());
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
