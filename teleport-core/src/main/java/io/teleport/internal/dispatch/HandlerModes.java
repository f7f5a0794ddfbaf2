package io.teleport.internal.dispatch;

import java.util.concurrent.Executor;

/**
 * Where a peer's handlers run, in words for its start-up line: the configured execution is not always
 * the one in effect (virtual threads fall back to the pool before Java 21), and the handler-threads
 * gauge reads 0 on virtual threads.
 */
public final class HandlerModes {

    private HandlerModes() {
    }

    /**
     * {@code executor} as a peer runs handlers on it: {@code inline} when they run on its I/O threads,
     * {@code own} when the peer made it, {@code threads} its pool's configured size, {@code maxConcurrent}
     * the bound of virtual threads.
     */
    public static String describe(Executor executor, boolean inline, boolean own, int threads, int maxConcurrent) {
        if (inline) {
            return "on the I/O threads (inline)";
        }
        if (!own) {
            return "the application's executor";
        }
        if (executor instanceof HandlerPool) {
            int reserve = ((HandlerPool) executor).getMaximumPoolSize() - threads;
            return "a pool of " + threads + " threads" + (reserve > 0 ? ", " + reserve + " more in reserve" : "");
        }
        // The peer makes a pool, or virtual threads (bounded); an inline peer has no executor of its own.
        return "virtual threads, at most " + maxConcurrent + " at once";
    }
}
