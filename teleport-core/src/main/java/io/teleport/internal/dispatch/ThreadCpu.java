package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The CPU time a pool's threads used since the last look, so that the pool can tell threads that
 * wait (in I/O, a sleep, a lock: more threads help) from threads that compute (more threads on the
 * same cores do not).
 */
class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The process's CPU time, where the JVM offers it (HotSpot and OpenJ9 do); null elsewhere. */
    private static final com.sun.management.@Nullable OperatingSystemMXBean PROCESS = processBean();
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final boolean supported;
    // Guarded by the pool's look (one at a time).
    private long lastTotal;
    private long lastProcess = -1;
    private long lastWall;

    ThreadCpu() {
        boolean on;
        try {
            on = THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException | SecurityException e) {
            on = false;
        }
        this.supported = on;
    }

    private static com.sun.management.@Nullable OperatingSystemMXBean processBean() {
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean
                    ? (com.sun.management.OperatingSystemMXBean) os : null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * Whether, since the previous call, the pool's threads spent half their time or more computing,
     * or the whole process kept at least 80% of the machine's cores busy: either way the backlog is
     * CPU, not threads waiting. Wall time is read here, whatever clock the pool looks with.
     */
    boolean computing(int poolSize) {
        long wall = System.nanoTime();
        long before = lastWall;
        lastWall = wall;
        long threadCpu = sinceLastLook();
        long process = PROCESS == null ? -1 : PROCESS.getProcessCpuTime();
        long processBefore = lastProcess;
        lastProcess = process;
        long period = wall - before;
        if (before == 0 || period <= 0) {
            return false;
        }
        return computing(period, threadCpu, poolSize, process >= 0 && processBefore >= 0 ? process - processBefore : -1,
                CORES);
    }

    /**
     * The rule, apart from the measuring: over {@code period} ns, the pool's {@code poolSize} threads
     * used {@code threadCpu} ns of CPU and the process {@code processCpu} ns ({@code -1}: unknown).
     */
    static boolean computing(long period, long threadCpu, int poolSize, long processCpu, int cores) {
        boolean threadsComputing = threadCpu >= 0 && threadCpu * 2 >= period * (long) poolSize;
        boolean coresBusy = processCpu >= 0 && processCpu * 10 >= period * 8L * cores;
        return threadsComputing || coresBusy;
    }

    /** Wraps a factory so that the threads it makes are measured. */
    ThreadFactory recording(ThreadFactory factory) {
        return r -> {
            Thread t = factory.newThread(r);
            threads.add(t);
            return t;
        };
    }

    /**
     * Nanoseconds of CPU the live threads used since the last call (threads that ended are
     * forgotten), or {@code -1} when the JVM cannot measure it.
     */
    long sinceLastLook() {
        if (!supported) {
            return -1;
        }
        long total = 0;
        for (Thread t : threads) {
            long ns = t.isAlive() ? THREADS.getThreadCpuTime(t.getId()) : -1;
            if (ns < 0) {
                if (t.getState() == Thread.State.TERMINATED) {
                    threads.remove(t);
                }
                continue;
            }
            total += ns;
        }
        long delta = total - lastTotal;
        lastTotal = total;
        // A thread that ended takes its time with it: the total may fall.
        return Math.max(0, delta);
    }
}
