package io.teleport.internal;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default handler executor: platform threads that grow only while every thread is busy.
 *
 * <p>A plain {@link ThreadPoolExecutor} either starts a thread per task up to its core size (and
 * thrashes a small machine with hundreds of threads for handlers that never block) or grows only
 * once its queue is full (and lets blocking handlers wait in the queue). This one queues a task when
 * a thread is idle and starts a new thread, up to the maximum, when none is, as Tomcat's executor
 * does: fast handlers run on a few threads, blocking ones get as many as they need. When the
 * maximum is reached and the queue is full, the task is refused.
 */
final class HandlerPool extends ThreadPoolExecutor {

    private final AtomicInteger submitted = new AtomicInteger();

    private HandlerPool(int coreThreads, int maxThreads, GrowingQueue queue) {
        super(coreThreads, maxThreads, 60, TimeUnit.SECONDS, queue, new DefaultThreadFactory("teleport-handler", true));
        queue.pool = this;
    }

    /** A pool of at most {@code maxThreads} threads and {@code queueCapacity} waiting tasks. */
    static HandlerPool create(int maxThreads, int queueCapacity) {
        int core = Math.min(maxThreads, Runtime.getRuntime().availableProcessors());
        return new HandlerPool(core, maxThreads, new GrowingQueue(queueCapacity));
    }

    @Override
    public void execute(Runnable task) {
        submitted.incrementAndGet();
        try {
            super.execute(task);
        } catch (RejectedExecutionException e) {
            // Two submitters can both see room for one more thread, refuse the queue, and race for
            // the last thread: the loser queues rather than fails, unless the pool is shut down.
            if (isShutdown() || !((GrowingQueue) getQueue()).force(task)) {
                submitted.decrementAndGet();
                throw e;
            }
        }
    }

    @Override
    protected void afterExecute(Runnable task, Throwable t) {
        submitted.decrementAndGet();
    }

    /** Refuses a task while no thread is idle and the pool may still grow, so that it grows. */
    private static final class GrowingQueue extends LinkedBlockingQueue<Runnable> {

        private static final long serialVersionUID = 1L;

        private transient HandlerPool pool;

        GrowingQueue(int capacity) {
            super(capacity);
        }

        @Override
        public boolean offer(Runnable task) {
            HandlerPool p = pool;
            int threads = p.getPoolSize();
            if (p.submitted.get() > threads && threads < p.getMaximumPoolSize()) {
                return false;
            }
            return super.offer(task);
        }

        /** Queues a task whatever the pool's size, if the queue has room. */
        boolean force(Runnable task) {
            return super.offer(task);
        }
    }
}
