package io.teleport.internal.dispatch;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The slots of {@link BoundedExecutor}: taken while a task runs, given back on every path. */
class BoundedExecutorTest {

    @Test
    void pastTheBoundATaskIsRefusedAndItsSlotComesBackWhenOneEnds() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        BoundedExecutor bounded = new BoundedExecutor(task -> new Thread(task).start(), 1);
        bounded.execute(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended.countDown();
            }
        });

        assertThatThrownBy(() -> bounded.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
                .hasMessage("all 1 handler slots are busy");
        release.countDown();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();
        // The slot is released after the task's last statement: allow the other thread its finally.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try {
                bounded.execute(ran::incrementAndGet);
            } catch (RejectedExecutionException e) {
                throw new AssertionError(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1);
    }

    @Test
    void aDelegateThatThrowsGivesTheSlotBackForARuntimeExceptionAndAnError() {
        for (Throwable thrown : new Throwable[] {new RejectedExecutionException("shut down"),
                new OutOfMemoryError("unable to create native thread")}) {
            AtomicBoolean fail = new AtomicBoolean(true);
            AtomicInteger ran = new AtomicInteger();
            Executor delegate = task -> {
                if (fail.getAndSet(false)) {
                    sneakyThrow(thrown);
                }
                task.run();
            };
            BoundedExecutor bounded = new BoundedExecutor(delegate, 1);

            assertThatThrownBy(() -> bounded.execute(ran::incrementAndGet)).isSameAs(thrown);
            bounded.execute(ran::incrementAndGet);
            bounded.execute(ran::incrementAndGet);

            assertThat(ran).as("after %s", thrown).hasValue(2);
        }
    }

    /** A task of one sender's lane, as a session's messages are. */
    private record OfLane(FairQueue.Lane lane, Runnable body) implements HandlerPool.Queued {
        @Override
        public long queuedNanos() {
            return 0;
        }

        @Override
        public void run() {
            body.run();
        }
    }

    @Test
    void pastFourFifthsOfTheSlotsOnlySendersRunningFewStartMore() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Runnable blocking = () -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        // 10 slots: 8 for anyone, the last 2 for senders running fewer than 1.
        BoundedExecutor bounded = new BoundedExecutor(task -> new Thread(task).start(), 10);
        FairQueue.Lane heavy = new FairQueue.Lane();
        try {
            for (int i = 0; i < 8; i++) {
                bounded.execute(new OfLane(heavy, blocking));
            }
            assertThatThrownBy(() -> bounded.execute(new OfLane(heavy, blocking)))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessage("this session runs 8 handlers and the last 2 of the 10 handler slots are kept for sessions"
                            + " running fewer than 1");
            assertThat(heavy.running).as("the refused one is not counted").isEqualTo(8);
            FairQueue.Lane light = new FairQueue.Lane();
            bounded.execute(new OfLane(light, blocking));
            assertThatThrownBy(() -> bounded.execute(new OfLane(light, blocking))).isInstanceOf(RejectedExecutionException.class);
            // The peer's own tasks name no sender and take any slot.
            bounded.execute(blocking);
            assertThatThrownBy(() -> bounded.execute(blocking)).hasMessage("all 10 handler slots are busy");
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> bounded.running() == 0 && heavy.running == 0);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
