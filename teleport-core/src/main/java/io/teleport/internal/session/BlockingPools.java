package io.teleport.internal.session;

import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The peer's two small pools for work that may block and must stay off the I/O threads: host name
 * lookups of dials, and hooks and completions when handlers run inline. Each is made when first
 * needed (most peers never need them) and refuses work once the peer has stopped, so that none is
 * made, and left running, after the shutdown stopped the others.
 */
final class BlockingPools {

    private volatile @Nullable ExecutorService hooks;
    private volatile @Nullable ExecutorService lookups;
    private boolean stopped;

    /**
     * Dial hooks, accept hooks and completions: bounded in threads, and in work by the in-flight
     * limits, so they queue here rather than start a thread each.
     */
    ExecutorService hooks() {
        ExecutorService e = hooks;
        if (e == null) {
            synchronized (this) {
                e = hooks;
                if (e == null) {
                    int threads = Math.max(2, io.netty.util.NettyRuntime.availableProcessors());
                    e = newPool(threads, new LinkedBlockingQueue<>(), 60, "teleport-hook");
                    hooks = e;
                }
            }
        }
        return e;
    }

    /**
     * Host name lookups of dials (a name service may take seconds): four threads at most, so that one
     * slow name holds up few others, and a bounded queue.
     */
    ExecutorService lookups() {
        ExecutorService e = lookups;
        if (e == null) {
            synchronized (this) {
                e = lookups;
                if (e == null) {
                    e = newPool(4, new LinkedBlockingQueue<>(1024), 10, "teleport-lookup");
                    lookups = e;
                }
            }
        }
        return e;
    }

    /** Called with the monitor held. */
    private ExecutorService newPool(int threads, LinkedBlockingQueue<Runnable> queue, int idleSeconds, String name) {
        if (stopped) {
            throw new RejectedExecutionException("the peer has stopped");
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, idleSeconds, TimeUnit.SECONDS, queue,
                new DefaultThreadFactory(name, true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Lets queued work finish and refuses new work, in the pools made so far and in any asked for later. */
    synchronized void stop() {
        stopped = true;
        if (hooks != null) {
            hooks.shutdown();
        }
        if (lookups != null) {
            lookups.shutdown();
        }
    }
}
