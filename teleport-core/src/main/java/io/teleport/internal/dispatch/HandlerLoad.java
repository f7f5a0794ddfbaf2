package io.teleport.internal.dispatch;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * How busy the executor that runs a peer's handlers is, read when asked (by gauges, on a scrape):
 * the default pool and any {@link ThreadPoolExecutor} say it themselves, virtual threads through
 * the bound on them; handlers run inline, or on another kind of executor, read as 0.
 */
public final class HandlerLoad {

    private HandlerLoad() {
    }

    /** Threads the executor has now: a pool's, or with virtual threads one per handler running. */
    public static int threads(Executor executor) {
        if (executor instanceof ThreadPoolExecutor pool) {
            return pool.getPoolSize();
        }
        return executor instanceof BoundedExecutor bounded ? bounded.running() : 0;
    }

    /** Handlers (and the peer's own tasks, with a pool) running on the executor now. */
    public static int running(Executor executor) {
        if (executor instanceof ThreadPoolExecutor pool) {
            return pool.getActiveCount();
        }
        return executor instanceof BoundedExecutor bounded ? bounded.running() : 0;
    }

    /** Messages waiting for a thread of the executor now. */
    public static int queued(Executor executor) {
        return executor instanceof ThreadPoolExecutor pool ? pool.getQueue().size() : 0;
    }
}
