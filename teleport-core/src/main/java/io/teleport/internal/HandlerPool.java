package io.teleport.internal;

import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The default handler executor: one platform thread per core, and more only while the ones there
 * are all stuck.
 *
 * <p>A plain {@link ThreadPoolExecutor} either starts a thread per task up to its core size or
 * grows only once its queue is full; growing whenever a task has to wait (as Tomcat's executor
 * does) gives handlers that never block a hundred threads fighting over two cores, which costs
 * throughput and tail latency for nothing. Here the pool grows when work is waiting, no thread is
 * idle, and no thread has taken any work for two periods of {@link #STARVATION_NANOS}: every thread
 * is blocked (in a database call, a sleep, a pull of its own), so another one helps. It grows by
 * about half its size at a time, so a burst of blocking handlers gets its threads within a few tens
 * of milliseconds, and it
 * shrinks back, once the extra threads have been idle for a minute, to the most that were busy at
 * once. When the queue is full it starts threads at once up to the maximum, and past that it
 * refuses the task.
 */
final class HandlerPool extends ThreadPoolExecutor {

    /** How long work may wait with every thread busy and none taking any before the pool grows. */
    static final long STARVATION_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How often the pool looks at itself when no task arrives to make it look. */
    static final long CHECK_MILLIS = 10;
    private static final long SHRINK_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final int baseThreads;
    private final LongSupplier clock;
    private volatile long lastTakeNanos;
    /** Whether the threads looked stuck at {@link #suspectedAt}; guarded by this. */
    private boolean suspecting;
    private long suspectedAt;
    /** The most threads busy at once since the last shrink; only the checking thread uses it. */
    private int busiest;
    private long lastShrinkNanos;

    HandlerPool(int baseThreads, int maxThreads, int queueCapacity, LongSupplier clock) {
        super(baseThreads, maxThreads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(queueCapacity),
                new DefaultThreadFactory("teleport-handler", true));
        this.baseThreads = baseThreads;
        this.clock = clock;
        this.lastTakeNanos = clock.getAsLong();
        this.lastShrinkNanos = lastTakeNanos;
    }

    /**
     * A pool of one thread per core (at most {@code maxThreads}), growing to {@code maxThreads}, with
     * {@code queueCapacity} waiting tasks; {@code timer} drives the checks between submissions.
     */
    static HandlerPool create(int maxThreads, int queueCapacity, Timer timer) {
        int base = Math.min(maxThreads, Runtime.getRuntime().availableProcessors());
        HandlerPool pool = new HandlerPool(base, maxThreads, queueCapacity, System::nanoTime);
        pool.scheduleCheck(timer);
        return pool;
    }

    @Override
    public void execute(Runnable task) {
        super.execute(task);
        if (!getQueue().isEmpty()) {
            relieveStarvation();
        }
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
        lastTakeNanos = clock.getAsLong();
    }

    /**
     * Adds threads when work is waiting, every thread is busy, and none has taken any work for two
     * periods in a row: the first period only raises the suspicion, so that a pause of the whole
     * JVM (a garbage collection) is not taken for blocked threads.
     */
    void relieveStarvation() {
        long now = clock.getAsLong();
        if (now - lastTakeNanos < STARVATION_NANOS) {
            return;
        }
        synchronized (this) {
            if (!suspecting || lastTakeNanos - suspectedAt > 0) {
                suspecting = true;
                suspectedAt = now;
                return;
            }
            int core = getCorePoolSize();
            int waiting = getQueue().size();
            if (now - suspectedAt < STARVATION_NANOS || waiting == 0 || core >= getMaximumPoolSize() || isShutdown()
                    || getActiveCount() < getPoolSize()) {
                // Not long enough, nothing waiting, no room, or a thread is idle and about to take the work.
                return;
            }
            suspecting = false;
            // The new threads get a period of their own before the pool may grow again.
            lastTakeNanos = now;
            setCorePoolSize(Math.min(getMaximumPoolSize(), core + Math.min(waiting, Math.max(baseThreads, core / 2))));
        }
    }

    /** Lowers the core size, after a minute, to the most threads busy at once during it. */
    void shrinkIfIdle() {
        busiest = Math.max(busiest, getActiveCount());
        long now = clock.getAsLong();
        if (now - lastShrinkNanos < SHRINK_NANOS) {
            return;
        }
        lastShrinkNanos = now;
        synchronized (this) {
            int target = Math.max(baseThreads, busiest);
            if (target < getCorePoolSize()) {
                // Threads above the core size end once they have been idle for the keep-alive time.
                setCorePoolSize(target);
            }
        }
        busiest = 0;
    }

    /** The threads the pool keeps when it has not had to grow. */
    int baseThreads() {
        return baseThreads;
    }

    private void scheduleCheck(Timer timer) {
        try {
            timer.newTimeout(t -> {
                if (isShutdown()) {
                    return;
                }
                if (!getQueue().isEmpty()) {
                    relieveStarvation();
                }
                shrinkIfIdle();
                scheduleCheck(timer);
            }, CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException | RejectedExecutionException timerStopped) {
            // The peer is shutting down: nothing left to grow or shrink.
        }
    }
}
