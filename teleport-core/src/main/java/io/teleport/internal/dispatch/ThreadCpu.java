package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * How a pool's threads spent their time since the last look, so that the pool can tell threads that
 * wait for something else (I/O, a sleep, a lock: more threads help) from threads that compute or
 * wait for a core (more threads on the same cores do not).
 *
 * <p>Threads that are ready to run but find every core taken (by the I/O threads, another process,
 * a container's CPU quota) use little CPU, just as blocked ones do; on Linux, the scheduler's own
 * count of the time each thread spent waiting for a core ({@code /proc/self/task/<tid>/schedstat})
 * tells them apart. Elsewhere only the CPU rules apply.
 */
class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The process's CPU time, where the JVM offers it (HotSpot and OpenJ9 do); null elsewhere. */
    private static final com.sun.management.@Nullable OperatingSystemMXBean PROCESS = processBean();
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** Whether the kernel tells each thread's time waiting for a core (Linux, CONFIG_SCHED_INFO). */
    private static final boolean SCHEDSTAT = Files.isReadable(Path.of("/proc/thread-self/schedstat"));
    /**
     * How many threads' schedstat a look reads: a ratio needs only a few, and each is a file read on
     * whichever thread looks (the timer's, or an I/O thread queueing work).
     */
    static final int SAMPLED = 4;
    /**
     * The least time the run-queue rule looks over. The kernel books a thread's wait for a core only
     * once it gets one, and its CPU time at ticks (4 ms apart at 250 Hz) and switches; under contention
     * both arrive in lumps of milliseconds, too coarse for the pool's 5 ms looks. A wait still under
     * way at a reading is missed, which leans the rule towards letting the pool grow.
     */
    static final long SCHED_WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    /** A reading this long after the one before (nothing was queued meanwhile) only starts anew. */
    private static final long SCHED_STALE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<Thread, Measured> threads = new ConcurrentHashMap<>();
    private final boolean supported;
    /** Set when the pool has ended: no file is opened after. */
    private volatile boolean closed;
    // Guarded by the pool's look (one at a time).
    private long lastTotal;
    private long lastProcess = -1;
    private long lastWall;
    private long lastSchedWall;
    private boolean lastWaitingForCores;

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

    /** What the pool's threads mostly did since the last look. */
    enum Use {
        /** Waited for something other than a core (I/O, a sleep, a lock, work): more threads help. */
        WAITING,
        /** Computed: more threads would take turns on the same cores; stuck ones may still need company. */
        COMPUTING,
        /** Were ready to run but found the cores taken: more threads would only queue for them too. */
        WAITING_FOR_CORES
    }

    /**
     * What the pool's threads did since the previous call: waited for a core at least as long as for
     * anything else; or computed half their time or more, or the whole process kept at least 80% of
     * the machine's cores busy; or otherwise waited. Wall time is read here, whatever clock the pool
     * looks with.
     */
    Use use(int poolSize) {
        long wall = System.nanoTime();
        long before = lastWall;
        lastWall = wall;
        long threadCpu = sinceLastLook();
        long process = PROCESS == null ? -1 : PROCESS.getProcessCpuTime();
        long processBefore = lastProcess;
        lastProcess = process;
        boolean waitingForCores = waitingForCores(wall);
        long period = wall - before;
        if (before == 0 || period <= 0) {
            return Use.WAITING;
        }
        if (waitingForCores) {
            return Use.WAITING_FOR_CORES;
        }
        return computing(period, threadCpu, poolSize, process >= 0 && processBefore >= 0 ? process - processBefore : -1,
                CORES) ? Use.COMPUTING : Use.WAITING;
    }

    /**
     * Whether the sampled threads waited for cores at least as long as for anything else over the
     * last {@link #SCHED_WINDOW_NANOS} or more; between two readings, what the last one found.
     */
    private boolean waitingForCores(long wall) {
        if (lastSchedWall != 0 && wall - lastSchedWall < SCHED_WINDOW_NANOS) {
            return lastWaitingForCores;
        }
        long window = wall - lastSchedWall;
        boolean measured = lastSchedWall != 0 && window <= SCHED_STALE_NANOS;
        long[] sampled = schedSinceLastLook(wall, lastSchedWall);
        lastSchedWall = wall;
        lastWaitingForCores = measured && waitingForCores(window, sampled[0], sampled[1], (int) sampled[2]);
        return lastWaitingForCores;
    }

    /**
     * The run-queue rule, apart from the measuring: over {@code period} ns, {@code threads} threads
     * used {@code cpu} ns of CPU and waited {@code runQueue} ns for a core; the rest of their time
     * they were blocked (or idle). They wait for cores when that is at least as long as the rest.
     */
    static boolean waitingForCores(long period, long cpu, long runQueue, int threads) {
        if (threads <= 0) {
            return false;
        }
        long blocked = period * threads - cpu - runQueue;
        return runQueue > 0 && runQueue >= blocked;
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

    /** Whether {@code thread} is one of the threads this reading measures (made by its factory, alive). */
    boolean measures(Thread thread) {
        return threads.containsKey(thread);
    }

    /** Wraps a factory so that the threads it makes are measured. */
    ThreadFactory recording(ThreadFactory factory) {
        return r -> {
            Measured m = new Measured();
            Thread t = factory.newThread(() -> {
                // Only the thread itself can learn its kernel id (Java 17 has no accessor).
                m.tid = SCHEDSTAT ? ownTid() : -1;
                r.run();
            });
            if (t != null) {
                threads.put(t, m);
            }
            return t;
        };
    }

    private static long ownTid() {
        try {
            // "/proc/thread-self" links to "<pid>/task/<tid>".
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // Not measured is fine; a worker dying here would take its first task with it.
            return -1;
        }
    }

    /**
     * For up to {@link #SAMPLED} live threads that were measured at the last reading too: the CPU and
     * the run-queue nanoseconds they used since, and how many they were; zeros where the kernel does
     * not tell. Threads seen for the first time only get their baseline.
     */
    private long[] schedSinceLastLook(long wall, long previous) {
        long cpu = 0;
        long runQueue = 0;
        int counted = 0;
        int read = 0;
        if (closed || Thread.currentThread().isInterrupted()) {
            // An interrupted reader's file read would fail at once, and close the file.
            return new long[] {0, 0, 0};
        }
        for (Measured m : threads.values()) {
            if (read == SAMPLED || m.tid < 0) {
                // Out of this reading's sample: its file is not kept, so a pool holds at most SAMPLED open.
                m.close();
                continue;
            }
            long[] now = m.schedstat();
            if (now == null) {
                continue;
            }
            // Only a thread read at the previous reading too: one left out of it (the sample changed
            // as the pool grew or shrank) would bring a longer stretch than the window.
            if (m.readAt == previous && previous != 0 && now[0] >= m.lastCpu && now[1] >= m.lastRunQueue) {
                cpu += now[0] - m.lastCpu;
                runQueue += now[1] - m.lastRunQueue;
                counted++;
            }
            m.lastCpu = now[0];
            m.lastRunQueue = now[1];
            m.readAt = wall;
            read++;
        }
        return new long[] {cpu, runQueue, counted};
    }

    /** Closes what the readings keep open: the pool has ended. */
    void close() {
        closed = true;
        for (Measured m : threads.values()) {
            m.close();
        }
    }

    /**
     * Nanoseconds of CPU the live threads used since the last call, or {@code -1} when the JVM cannot
     * measure it. Threads that ended are forgotten here, measurable or not, and their files closed.
     */
    long sinceLastLook() {
        long total = 0;
        for (Map.Entry<Thread, Measured> e : threads.entrySet()) {
            Thread t = e.getKey();
            if (t.getState() == Thread.State.TERMINATED) {
                threads.remove(t);
                e.getValue().close();
            } else if (supported && t.isAlive()) {
                long ns = THREADS.getThreadCpuTime(t.getId());
                total += Math.max(0, ns);
            }
        }
        if (!supported) {
            return -1;
        }
        long delta = total - lastTotal;
        lastTotal = total;
        // A thread that ended takes its time with it: the total may fall.
        return Math.max(0, delta);
    }

    /**
     * A pool thread's kernel id, set by the thread as it starts, and its schedstat at the last
     * reading. The file stays open between readings (one {@code pread} each, rather than an open,
     * a read and a close) until the first reading after the thread ends, or the pool ends.
     */
    private final class Measured {
        volatile long tid = -1;
        // Guarded by the pool's look.
        long lastCpu = -1;
        long lastRunQueue;
        /** When it was last read ({@link System#nanoTime()}); 0 before. */
        long readAt;
        /** Written by the look, closed by it or by the pool's end. */
        private volatile @Nullable FileChannel stat;
        private final ByteBuffer buf = ByteBuffer.allocate(64);

        /** The thread's CPU and run-queue nanoseconds, the first two fields of its schedstat; null if gone. */
        long @Nullable [] schedstat() {
            int n;
            try {
                FileChannel ch = stat;
                if (ch == null) {
                    ch = FileChannel.open(Path.of("/proc/self/task/" + tid + "/schedstat"));
                    stat = ch;
                    if (closed) {
                        // The pool ended while this was opened: close() may have missed it.
                        close();
                        return null;
                    }
                }
                buf.clear();
                n = ch.read(buf, 0);
            } catch (ClosedByInterruptException e) {
                // The looking thread was interrupted, which closed the file: open it again next time.
                stat = null;
                return null;
            } catch (IOException | RuntimeException e) {
                // The thread has ended (or the file cannot be read): no more readings of it.
                tid = -1;
                close();
                return null;
            }
            long[] fields = new long[2];
            int field = 0;
            boolean digits = false;
            for (int i = 0; i < n && field < 2; i++) {
                byte b = buf.get(i);
                if (b >= '0' && b <= '9') {
                    fields[field] = fields[field] * 10 + (b - '0');
                    digits = true;
                } else if (digits) {
                    field++;
                    digits = false;
                }
            }
            return field == 2 || (field == 1 && digits) ? fields : null;
        }

        void close() {
            FileChannel ch = stat;
            stat = null;
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // Nothing to do for a /proc file that would not close.
                }
            }
        }
    }
}
