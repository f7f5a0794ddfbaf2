package io.teleport.internal.dispatch;

import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The default handler executor: one platform thread per core, and more only while the ones there
 * are held up.
 *
 * <p>A plain {@link ThreadPoolExecutor} either starts a thread per task up to its core size or
 * grows only once its queue is full; growing whenever a task has to wait (as Tomcat's executor
 * does) gives handlers that never block a hundred threads fighting over two cores, which costs
 * throughput and tail latency for nothing. Here the pool looks at itself at most once per
 * {@link #PERIOD_NANOS} while work is queued, and counts it as held up when no thread is idle and
 * either no thread has taken any work since the last look (every thread is blocked: in a database
 * call, a sleep, a pull of its own) or the oldest queued message has waited {@link #MAX_WAIT_NANOS}
 * (threads blocking for a few milliseconds each, which take work but too slowly, as long as they
 * are not computing: see {@link ThreadCpu}; a CPU-bound backlog gets no threads). Neither counts
 * while the threads wait for a core rather than for anything else (on Linux), since more of them
 * would only queue for the same cores, until the oldest message has waited
 * {@link #STARVED_MAX_WAIT_NANOS}. Two looks in a
 * row must agree, so that a pause of the whole JVM (a garbage collection) is not taken for either.
 * It then grows by about half its size, so a burst of blocking handlers gets its threads within a
 * few tens of milliseconds; it shrinks back, after a minute, to the most threads busy at once
 * during it, and threads beyond that end as soon as they find no work. When the queue is full it
 * starts threads at once up to the maximum, and past that it refuses the task; a task of a sender
 * the {@link ThreadReserve} holds back is never started outside the queue, and is refused when the
 * queue has no room for it.
 */
public final class HandlerPool extends ThreadPoolExecutor {

    /** The least time between two looks of the pool at itself. */
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long the oldest queued message may wait before the pool counts as held up. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /**
     * How long the oldest queued message may wait before the pool grows even though its threads wait
     * for cores: a bound on the queue's latency when starvation and blocking come together (a handler
     * that blocks, then waits as long for a core, reads as starved).
     */
    static final long STARVED_MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How often the timer looks when no submission does. */
    private static final long CHECK_MILLIS = 10;
    private static final long SHRINK_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final Logger log = LoggerFactory.getLogger(HandlerPool.class);

    /**
     * A task that knows when it was queued, so that the pool can tell how long work waits, and whose
     * sender it came from, so that senders take turns (see {@link FairQueue}).
     */
    public interface Queued extends Runnable {
        /** {@link System#nanoTime()} when the task was handed to the executor. */
        long queuedNanos();

        /**
         * The lane of the task's sender; null to share one with other tasks that name none. The same
         * lane for as long as the task is queued, cheap, and never throwing: the queue asks again when
         * it takes or removes the task.
         */
        default FairQueue.@Nullable Lane lane() {
            return null;
        }
    }

    private final int baseThreads;
    /** How the pool's threads spend their time: computing, or waiting for a core, is not being held up. */
    private final ThreadCpu cpu;
    private final LongSupplier clock;
    /** Drives the looks between submissions; null when the caller looks itself (tests). */
    private final @Nullable Timer timer;
    /** Whether a look is scheduled on the timer: only while work waits or the pool is above its base. */
    private final AtomicBoolean checking = new AtomicBoolean();
    private final LongAdder taken = new LongAdder();
    private volatile boolean coreStarted;
    private volatile long lastLookNanos;
    // Guarded by this.
    private long takenAtLastLook;
    private boolean heldUpAtLastLook;
    private ThreadCpu.Use lastUse = ThreadCpu.Use.WAITING;
    private long lastUseNanos;
    private int busiest;
    private long lastShrinkNanos;

    HandlerPool(int baseThreads, int maxThreads, int queueCapacity, LongSupplier clock, @Nullable Timer timer) {
        this(baseThreads, maxThreads, queueCapacity, clock, timer, new ThreadCpu());
    }

    /** With the caller's CPU reading: tests decide whether the threads compute. */
    HandlerPool(int baseThreads, int maxThreads, int queueCapacity, LongSupplier clock, @Nullable Timer timer,
            ThreadCpu cpu) {
        super(baseThreads, ThreadReserve.poolThreads(maxThreads), 60, TimeUnit.SECONDS,
                new ShrinkingQueue(queueCapacity, maxThreads),
                cpu.recording(new DefaultThreadFactory("teleport-handler", true)));
        this.cpu = cpu;
        ((ShrinkingQueue) getQueue()).pool = this;
        this.baseThreads = baseThreads;
        this.clock = clock;
        this.timer = timer;
        this.lastLookNanos = clock.getAsLong();
        this.lastShrinkNanos = lastLookNanos;
    }

    /**
     * A pool of one thread per core (at most {@code maxThreads}), growing to {@code maxThreads} and
     * a quarter more kept for senders that run few handlers at once (see {@link ThreadReserve}), with
     * {@code queueCapacity} waiting tasks; {@code timer} drives the looks between submissions.
     */
    public static HandlerPool create(int maxThreads, int queueCapacity, Timer timer) {
        int base = Math.min(maxThreads, io.netty.util.NettyRuntime.availableProcessors());
        return new HandlerPool(base, maxThreads, queueCapacity, System::nanoTime, timer);
    }

    /** Whether the calling thread is one of this pool's. */
    public boolean isPoolThread() {
        return cpu.measures(Thread.currentThread());
    }

    @Override
    public void execute(Runnable task) {
        if (!queuedToWakeLater(task)) {
            FairQueue queue = (FairQueue) getQueue();
            if (queue.mayStartNow(task)) {
                super.execute(task);
            } else if (!queue.offer(task) || (isShutdown() && remove(task))) {
                // The executor's own way would start a thread for it past a full queue (or below the
                // core size): one of those kept for the senders the reserve is for.
                throw new RejectedExecutionException("handler queue full or shut down (" + queue.size() + " waiting)");
            }
        }
        if (!getQueue().isEmpty()) {
            lookAfterQueueing();
        }
    }

    /**
     * On an I/O thread (any single-threaded Netty executor's own thread), queues the task without
     * waking a handler thread: they are woken once for what the thread queues while it reads (see
     * {@link TurnWakeups}). False when the executor's own way is needed: threads to start, a full
     * queue to grow past or refuse at, or another thread.
     */
    private boolean queuedToWakeLater(Runnable task) {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (!(loop instanceof SingleThreadEventExecutor) || !loop.inEventLoop() || !coreStarted() || isShutdown()
                || !((FairQueue) getQueue()).offerQuietly(task)) {
            return false;
        }
        if (isShutdown() && remove(task)) {
            // Shut down meanwhile: its threads may be gone; refused as the executor would.
            throw new RejectedExecutionException("handler pool shut down");
        }
        TurnWakeups.queued((FairQueue) getQueue(), (SingleThreadEventExecutor) loop);
        return true;
    }

    /**
     * Whether the core threads were started (the executor starts them one per task at first). Read
     * without the executor's lock once true: core threads do not end, a growth starts its own, and
     * a thread that ends by a task's exception is replaced at once.
     */
    private boolean coreStarted() {
        if (coreStarted) {
            return true;
        }
        if (getPoolSize() < getCorePoolSize()) {
            return false;
        }
        coreStarted = true;
        return true;
    }

    /** With work waiting: makes sure a look is due, and looks when a period has passed. */
    private void lookAfterQueueing() {
        if (!checking.get()) {
            armCheck();
        }
        if (clock.getAsLong() - lastLookNanos >= PERIOD_NANOS) {
            try {
                relieveStarvation();
            } catch (RuntimeException | OutOfMemoryError cannotGrow) {
                // The task is queued already; the pool just could not add a thread this time.
                log.warn("handler pool could not grow: {}", cannotGrow.toString());
            }
        }
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
        taken.increment();
        ((FairQueue) getQueue()).started(r);
    }

    @Override
    protected void afterExecute(Runnable r, @Nullable Throwable t) {
        ((FairQueue) getQueue()).ended(r);
    }

    @Override
    protected void terminated() {
        cpu.close();
    }

    /** Looks at the pool, at most once a period, and grows it when it was held up at two looks in a row. */
    void relieveStarvation() {
        long now = clock.getAsLong();
        synchronized (this) {
            if (now - lastLookNanos < PERIOD_NANOS) {
                return;
            }
            lastLookNanos = now;
            if (isShutdown()) {
                return;
            }
            long takenNow = taken.sum();
            boolean noneTaken = takenNow == takenAtLastLook;
            takenAtLastLook = takenNow;
            long waited = now - ((FairQueue) getQueue()).oldestQueuedNanos(now);
            boolean waitedTooLong = waited >= MAX_WAIT_NANOS;
            ThreadCpu.Use use = cpu.use(getPoolSize());
            lastUse = use;
            lastUseNanos = now;
            if (use == ThreadCpu.Use.WAITING_FOR_CORES && waited < STARVED_MAX_WAIT_NANOS) {
                // Not blocked but starved of CPU (by the I/O threads, another process, a quota): more
                // threads would only queue for the same cores.
                noneTaken = false;
                waitedTooLong = false;
            } else if (waitedTooLong && !noneTaken && use == ThreadCpu.Use.COMPUTING) {
                // The backlog is CPU; threads stuck computing (none taking work) still get company,
                // so that a few long tasks do not hold up all the others.
                waitedTooLong = false;
            }
            // An idle thread is about to take the work: the pool is not held up, the work is just not there yet.
            boolean heldUp = !getQueue().isEmpty() && (noneTaken || waitedTooLong) && getActiveCount() >= getPoolSize();
            boolean confirmed = heldUp && heldUpAtLastLook;
            heldUpAtLastLook = heldUp && !confirmed;
            int size = Math.max(getCorePoolSize(), getPoolSize());
            if (!confirmed || size >= getMaximumPoolSize()) {
                return;
            }
            int grow = Math.min(getQueue().size(), Math.max(baseThreads, size / 2));
            setCorePoolSize(Math.min(getMaximumPoolSize(), size + Math.max(1, grow)));
            // The minute before the pool may shrink starts now.
            lastShrinkNanos = now;
        }
    }

    /**
     * Lowers the core size, a minute after it last changed, to the most threads busy at once since;
     * threads busy while the pool's last look found them waiting for cores are not counted, since
     * fewer would have done the same work.
     */
    synchronized void shrinkIfIdle() {
        long now = clock.getAsLong();
        // A look only runs while work is queued: its finding stands for the next few looks, not for good.
        boolean starved = lastUse == ThreadCpu.Use.WAITING_FOR_CORES && now - lastUseNanos <= 2 * ThreadCpu.SCHED_WINDOW_NANOS;
        if (!starved) {
            busiest = Math.max(busiest, getActiveCount());
        }
        if (now - lastShrinkNanos < SHRINK_NANOS) {
            return;
        }
        lastShrinkNanos = now;
        int target = Math.max(baseThreads, busiest);
        if (target < getCorePoolSize()) {
            // Threads above the core size end as soon as they find the queue empty (ShrinkingQueue).
            setCorePoolSize(target);
        }
        busiest = 0;
    }

    /** Whether there is anything to grow (work waits) or to shrink (threads above the base). */
    private boolean needsLooks() {
        return !getQueue().isEmpty() || getCorePoolSize() > baseThreads;
    }

    /** Schedules a look on the timer unless one is scheduled; an idle pool wakes nothing up. */
    private void armCheck() {
        if (timer == null || !checking.compareAndSet(false, true)) {
            return;
        }
        try {
            timer.newTimeout(t -> check(), CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException | java.util.concurrent.RejectedExecutionException | OutOfMemoryError e) {
            // The peer is shutting down (nothing left to grow or shrink), or no memory for the timeout:
            // the task that armed it is queued already and must not see that, and the next may arm it.
            checking.set(false);
        }
    }

    private void check() {
        if (isShutdown()) {
            return;
        }
        try {
            if (!getQueue().isEmpty()) {
                relieveStarvation();
            }
            shrinkIfIdle();
        } catch (RuntimeException | OutOfMemoryError e) {
            log.warn("handler pool check failed: {}", e.toString());
        } finally {
            checking.set(false);
            // Work queued while this look ran found it still scheduled and armed nothing: arm here.
            if (needsLooks()) {
                armCheck();
            }
        }
    }

    /**
     * The pool's queue, fair between senders. Threads above the core size wait for work with a
     * timeout (the keep-alive); with plain round-robin hand-out they would all keep getting some and
     * never end, so here one that finds the queue empty ends at once.
     */
    private static final class ShrinkingQueue extends FairQueue {

        private @Nullable HandlerPool pool;

        ShrinkingQueue(int capacity, int threads) {
            super(capacity, threads);
        }

        @Override
        public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
            Runnable task = poll();
            if (task != null) {
                return task;
            }
            HandlerPool p = pool;
            if (p != null && p.getPoolSize() > p.getCorePoolSize()) {
                return null;
            }
            return super.poll(timeout, unit);
        }
    }
}
