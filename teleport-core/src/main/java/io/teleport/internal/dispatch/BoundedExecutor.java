package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Runs at most a given number of tasks at once on an executor that has no bound of its own (virtual
 * threads); past it a task is refused at once, so the caller can answer {@code 503} instead of
 * starting threads without end.
 *
 * <p>As the pool's {@link ThreadReserve}: the last fifth of the slots is kept for senders running
 * fewer than {@link #light} handlers. Without it, the first come took every slot: a hundred
 * connections of one host, each with its in-flight limit of blocking calls (or calls that pull the
 * caller back, which it never answers), held all 10,000, and every other session's calls were
 * refused until they ended. A sender running that many handlers is refused beyond four fifths of the
 * slots; one running fewer, the usual client, still gets a slot. Filling the reserve takes many
 * senders with few calls each, which is a matter of connection limits. The peer's own tasks (hooks,
 * completions: they name no sender) may take any slot.
 */
public final class BoundedExecutor implements Executor {

    private final Executor delegate;
    private final Semaphore permits;
    private final int max;
    /** Slots in use beyond which only light senders are admitted. */
    private final int heavyLimit;
    /** Handlers a sender may run before it counts as heavy. */
    private final int light;

    public BoundedExecutor(Executor delegate, int max) {
        this.delegate = delegate;
        this.permits = new Semaphore(max);
        this.max = max;
        this.heavyLimit = max - max / 5;
        // A few, as the pool's (a thirty-second of 200 threads): at 10,000 slots a thirty-second would be
        // more than a session's in-flight limit, and no sender would ever count as heavy.
        this.light = Math.max(1, Math.min(8, max / 32));
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
        FairQueue.Lane lane = task instanceof HandlerPool.Queued queued ? queued.lane() : null;
        if (lane != null) {
            int runs = lane.started();
            // Counted before it looks, so that two tasks of one sender cannot both pass as its last.
            if (runs > light && running() > heavyLimit) {
                release(lane);
                throw new RejectedExecutionException("this session runs " + (runs - 1) + " handlers and the last "
                        + (max - heavyLimit) + " of the " + max + " handler slots are kept for sessions running fewer than "
                        + light);
            }
        }
        try {
            delegate.execute(() -> {
                try {
                    task.run();
                } finally {
                    release(lane);
                }
            });
        } catch (RuntimeException | Error e) {
            // Callers recover from an Error here too (no thread could start: the message gets a 503),
            // so the slot must come back or the bound shrinks for the life of the peer.
            release(lane);
            throw e;
        }
    }

    /** A task started on a slot (of {@code lane}'s sender, if any) ended, or never ran. */
    private void release(FairQueue.@Nullable Lane lane) {
        if (lane != null) {
            lane.ended();
        }
        permits.release();
    }
}
