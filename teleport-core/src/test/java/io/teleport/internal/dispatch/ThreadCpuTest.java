package io.teleport.internal.dispatch;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** How the handler pool reads its threads' time: the rules, and real threads measured. */
class ThreadCpuTest {

    private final CountDownLatch release = new CountDownLatch(1);

    @Test
    void theComputingRuleWeighsThreadCpuAgainstWallTimeAndTheProcessAgainstTheCores() {
        long period = 10_000_000L;
        assertThat(ThreadCpu.computing(period, 2 * period / 2, 2, -1, 4)).as("half of two threads' time").isTrue();
        assertThat(ThreadCpu.computing(period, period / 4, 2, -1, 4)).as("an eighth: they wait").isFalse();
        assertThat(ThreadCpu.computing(period, -1, 2, -1, 4)).as("nothing measured").isFalse();
        assertThat(ThreadCpu.computing(period, 0, 2, 8 * period * 4 / 10, 4)).as("80% of the cores").isTrue();
        assertThat(ThreadCpu.computing(period, 0, 2, 7 * period * 4 / 10, 4)).as("70% of the cores").isFalse();
    }

    @Test
    void theRunQueueRuleWeighsTimeWaitingForACoreAgainstTimeBlocked() {
        long period = 10_000_000L;
        assertThat(ThreadCpu.waitingForCores(period, period, period, 2)).as("half computing, half queued").isTrue();
        assertThat(ThreadCpu.waitingForCores(period, period / 10, period, 2)).as("queued half, blocked the rest")
                .isTrue();
        assertThat(ThreadCpu.waitingForCores(period, period / 10, period / 2, 2)).as("blocked most of the time")
                .isFalse();
        assertThat(ThreadCpu.waitingForCores(period, 2 * period, 0, 2)).as("computing, never queued").isFalse();
        assertThat(ThreadCpu.waitingForCores(period, 0, 0, 0)).as("nothing measured").isFalse();
    }

    @Test
    void threadsOfThePoolThatOutnumberTheCoresAreSeenWaitingForThemAndSleepingOnesAreNot() throws Exception {
        assumeSchedstat();
        // Not WAITING exactly: a busy test JVM (JIT, GC) may read as computing.
        assertThat(useOfThreads(false)).as("sleeping threads").isNotEqualTo(ThreadCpu.Use.WAITING_FOR_CORES);
        assertThat(useOfThreads(true)).as("three spinning threads per core").isEqualTo(ThreadCpu.Use.WAITING_FOR_CORES);
    }

    @Test
    void theSchedstatFileOfAThreadThatEndedIsClosedAtTheNextReading() throws Exception {
        assumeSchedstat();
        long before = openSchedstatFiles();
        ThreadCpu cpu = new ThreadCpu();
        CountDownLatch end = new CountDownLatch(1);
        Thread t = startedUntil(cpu, end);
        cpu.use(1);
        assertThat(openSchedstatFiles() - before).as("read once").isEqualTo(1);
        end.countDown();
        t.join();
        Thread.sleep(ThreadCpu.SCHED_WINDOW_NANOS / 1_000_000 + 5);
        cpu.use(1);
        assertThat(openSchedstatFiles() - before).isZero();
    }

    @Test
    void aPoolKeepsAtMostItsSampleOfSchedstatFilesOpenAsThreadsComeAndGo() throws Exception {
        assumeSchedstat();
        long before = openSchedstatFiles();
        ThreadCpu cpu = new ThreadCpu();
        CountDownLatch end = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                threads.add(startedUntil(cpu, end));
                // Each new thread may come before the ones read so far in the sample's order.
                cpu.use(threads.size());
                Thread.sleep(ThreadCpu.SCHED_WINDOW_NANOS / 1_000_000 + 1);
                assertThat(openSchedstatFiles() - before).as("after %d threads", threads.size())
                        .isBetween(1L, (long) ThreadCpu.SAMPLED);
            }
        } finally {
            end.countDown();
            for (Thread t : threads) {
                t.join();
            }
            cpu.close();
        }
    }

    @Test
    void theSchedstatFilesAPoolReadsAreClosedWhenThePoolEnds() throws Exception {
        assumeSchedstat();
        long before = openSchedstatFiles();
        ThreadCpu cpu = new ThreadCpu();
        HandlerPool pool = new HandlerPool(2, 4, 100, System::nanoTime, null, cpu);
        CountDownLatch bothRunning = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                bothRunning.countDown();
                waitFor(release);
            });
        }
        bothRunning.await();
        cpu.use(2);
        Thread.sleep(ThreadCpu.SCHED_WINDOW_NANOS / 1_000_000 + 5);
        cpu.use(2);
        assertThat(openSchedstatFiles() - before).as("one per thread read").isEqualTo(2);
        release.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(openSchedstatFiles() - before).isZero();
    }

    /** A thread of {@code cpu}'s, started (its kernel id known), that waits until {@code end}. */
    private static Thread startedUntil(ThreadCpu cpu, CountDownLatch end) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Thread t = cpu.recording(Thread::new).newThread(() -> {
            started.countDown();
            waitFor(end);
        });
        t.start();
        started.await();
        return t;
    }

    /** Skips a test where the kernel keeps no run-queue times (no file, or zeros in it). */
    private static void assumeSchedstat() throws java.io.IOException {
        Path own = Path.of("/proc/thread-self/schedstat");
        assumeTrue(Files.isReadable(own), "the kernel tells no run-queue time here");
        assumeTrue(!Files.readString(own).startsWith("0 "), "the kernel keeps no scheduler times here");
    }

    /** How many of this process's open files are a thread's schedstat. */
    private static long openSchedstatFiles() throws java.io.IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().endsWith("/schedstat");
                } catch (java.io.IOException | UnsupportedOperationException gone) {
                    return false;
                }
            }).count();
        }
    }

    private static volatile long sink;

    /** What a look says of the pool's threads (three per core) over 200 ms when they spin or sleep. */
    private static ThreadCpu.Use useOfThreads(boolean spin) throws Exception {
        ThreadCpu cpu = new ThreadCpu();
        int n = 3 * Runtime.getRuntime().availableProcessors();
        CountDownLatch running = new CountDownLatch(n);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = cpu.recording(Thread::new).newThread(() -> {
                running.countDown();
                long x = 0;
                while (!stop.get()) {
                    if (spin) {
                        x += System.nanoTime();
                    } else {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                }
                sink = x;
            });
            threads.add(t);
            t.start();
        }
        try {
            running.await();
            cpu.use(n);
            Thread.sleep(200);
            return cpu.use(n);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            // As the pool's end does: the files of this reading must not be left to the garbage collector.
            cpu.close();
        }
    }

    @Test
    void aSleepingThreadOfThePoolIsMeasuredAsUsingAlmostNoCpu() throws Exception {
        // Sleeping costs no CPU whatever else the machine runs, so this holds on a busy machine too.
        ThreadCpu cpu = new ThreadCpu();
        CountDownLatch measured = new CountDownLatch(1);
        Thread sleeper = cpu.recording(Thread::new).newThread(() -> waitFor(measured));
        sleeper.start();
        cpu.sinceLastLook();
        long wallBefore = System.nanoTime();
        Thread.sleep(50);
        long used = cpu.sinceLastLook();
        long wall = System.nanoTime() - wallBefore;
        measured.countDown();
        sleeper.join();
        assertThat(used).as("CPU ns of a waiting thread over %d ns", wall).isBetween(-1L, wall / 4);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
