package io.teleport.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HandlerPoolTest {

    @Test
    void submittersRacingForTheLastThreadQueueInsteadOfFailing() throws Exception {
        for (int round = 0; round < 30; round++) {
            HandlerPool pool = HandlerPool.create(4, 10_000);
            try {
                AtomicInteger ran = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> submitters = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    Thread submitter = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int i = 0; i < 25; i++) {
                            try {
                                pool.execute(() -> {
                                    sleep(1);
                                    ran.incrementAndGet();
                                });
                            } catch (RejectedExecutionException e) {
                                refused.incrementAndGet();
                            }
                        }
                    });
                    submitter.start();
                    submitters.add(submitter);
                }
                go.countDown();
                for (Thread submitter : submitters) {
                    submitter.join();
                }
                pool.shutdown();
                assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
                assertThat(refused.get()).as("tasks refused while the queue had room").isZero();
                assertThat(ran.get()).isEqualTo(200);
                assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(4);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void growsOnlyWhileEveryThreadIsBusyAndRefusesWhenFull() throws Exception {
        HandlerPool pool = HandlerPool.create(3, 2);
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < 5; i++) {
                pool.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(pool.getPoolSize()).isEqualTo(3);
            assertThat(pool.getQueue()).hasSize(2);
            assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        } finally {
            release.countDown();
            pool.shutdown();
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
