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

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
