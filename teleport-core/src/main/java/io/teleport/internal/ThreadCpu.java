package io.teleport.internal;

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
final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final boolean supported;
    // Guarded by the pool's look (one at a time).
    private long lastTotal;

    ThreadCpu() {
        boolean on;
        try {
            on = THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException | SecurityException e) {
            on = false;
        }
        this.supported = on;
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
