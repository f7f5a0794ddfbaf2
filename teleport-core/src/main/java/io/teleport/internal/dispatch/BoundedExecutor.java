package io.teleport.internal.dispatch;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Runs at most a given number of tasks at once on an executor that has no bound of its own (virtual
 * threads); past it a task is refused at once, so the caller can answer {@code 503} instead of
 * starting threads without end.
 */
public final class BoundedExecutor implements Executor {

    private final Executor delegate;
    private final Semaphore permits;
    private final int max;

    public BoundedExecutor(Executor delegate, int max) {
        this.delegate = delegate;
        this.permits = new Semaphore(max);
        this.max = max;
    }

    /** Tasks running (or handed to the delegate to run) now. */
    int running() {
        return max - permits.availablePermits();
    }

    @Override
    public void execute(Runnable task) {
        if (!permits.tryAcquire()) {
            throw new RejectedExecutionException("all " + max + " handler slots are busy");
        }
        try {
            delegate.execute(() -> {
                try {
                    task.run();
                } finally {
                    permits.release();
                }
            });
        } catch (RuntimeException | Error e) {
            // Callers recover from an Error here too (no thread could start: the message gets a 503),
            // so the slot must come back or the bound shrinks for the life of the peer.
            permits.release();
            throw e;
        }
    }
}
