package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The dial or accept hooks of a session's connections and the PostDisconnect hooks that pair with
 * them, run off the I/O thread one after another, in the order their connections came and went (a
 * lane of the session's own). A connection is read while its hooks run and may close meanwhile: its
 * PostDisconnect then still runs after them, and a redial's PostDial after the PostDisconnect of the
 * attempt before, so that a plugin pairing the two (a count of open sessions, a presence list) sees
 * them in order. The session's close future does not wait in the lane behind a hook ({@link #busy}):
 * that hook may be what closed the session, waiting for it. The lane's state is guarded by the
 * session's monitor, under which a connection's hooks and its PostDisconnect take their places.
 *
 * <p>A session's last PostDisconnect also waits for its handlers running or queued when its turn comes
 * ({@link #afterHandlers}), as Go's does: pushes received before the connection closed are still
 * handled (a sender may push a reason and close at once), and a presence list's join must not run
 * after the leave of the same session. Not a redial's: its handlers may wait for the redial, whose
 * PostDial would wait behind it. The wait is bounded by the queue wait limit (10 s if none), none is
 * made while the peer shuts down (whose drop of queued handlers finishes them, ending the wait).
 */
final class ConnectionHooks {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    /** The session whose dial hooks run on this thread: its pulls go out while it is still redialing. */
    private static final ThreadLocal<DefaultSession> IN_DIAL_HOOKS = new ThreadLocal<>();

    private final DefaultSession session;
    private final PeerContext peer;
    /** Hook chains whose dial or accept is not settled yet: they, not the closing connection, settle it. */
    private volatile int settling;
    /** Tasks waiting their turn; made by the first that had to wait. */
    private @Nullable ArrayDeque<Runnable> lane;
    /** Whether a thread works through the lane. */
    private boolean draining;
    /** A PostDisconnect waiting for the session's handlers to end; the lane goes on after it. */
    private volatile @Nullable AfterHandlers parked;

    ConnectionHooks(DefaultSession session, PeerContext peer) {
        this.session = session;
        this.peer = peer;
    }

    /**
     * Queues a connection's hook chain ({@link #chain}). Called under the session's monitor with the rest
     * of the connection's state, so that its close, however soon it comes, queues behind the chain and
     * leaves the dial to it; returns whether to {@link #start} the lane with it.
     */
    boolean queueChain(Runnable chain) {
        settling++;
        return enqueue(chain);
    }

    boolean settling() {
        return settling > 0;
    }

    /** Whether this thread runs the dial hooks of {@code session}. */
    static boolean inDialHooks(DefaultSession session) {
        return IN_DIAL_HOOKS.get() == session;
    }

    /**
     * The task that runs {@code hook} in its turn ({@link #enqueue} it), then {@code settle} with its
     * refusal, or {@code null} to admit the connection. What {@code settle} returns, the dial's
     * completion, runs on a thread of its own, out of the lane: the dial's callbacks are user code,
     * which may wait for what queues behind (a redial's next dial hooks, say).
     */
    Runnable chain(Hook<?, Session> hook, Function<@Nullable Rerror, @Nullable Runnable> settle) {
        return () -> {
            Rerror rerror;
            IN_DIAL_HOOKS.set(session);
            try {
                rerror = peer.plugins.run(hook, session);
            } catch (Throwable e) {
                // Whatever a hook throws (an error of the JVM's too: no native thread for one it starts),
                // the dial or accept is settled, refused, rather than left waiting for ever.
                if (!(e instanceof RuntimeException)) {
                    // What the plugin chain lets pass (the JVM's own errors): worth a stack, once it happened.
                    log.error("{} hook failed for {}", hook.name(), session.id(), e);
                }
                rerror = new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", e.toString());
            } finally {
                IN_DIAL_HOOKS.remove();
            }
            Runnable done = null;
            try {
                done = settle.apply(rerror);
            } finally {
                Runnable completion = done;
                Runnable settled = () -> {
                    try {
                        if (completion != null) {
                            completion.run();
                        }
                    } finally {
                        synchronized (session) {
                            settling--;
                        }
                    }
                };
                try {
                    peer.runBlocking(settled);
                } catch (Throwable refused) {
                    settled.run();
                }
            }
        };
    }

    /** Whether the lane is busy: a hook of this session runs or waits for its turn. Under the session's monitor. */
    boolean busy() {
        return draining;
    }

    /**
     * Queues {@code task} in the lane, under the session's monitor; returns whether the caller must
     * {@link #start} the lane with it, once it let go of the monitor.
     */
    boolean enqueue(Runnable task) {
        if (draining) {
            if (lane == null) {
                lane = new ArrayDeque<>(2);
            }
            lane.add(task);
            return false;
        }
        draining = true;
        return true;
    }

    /** Starts the lane with {@code first}, off the I/O thread; see {@link #enqueue}. */
    void start(Runnable first) {
        Runnable drain = () -> drainFrom(first);
        try {
            peer.runBlocking(drain);
        } catch (Throwable refused) {
            // An application's executor that refuses otherwise than runBlocking expects, or no native
            // thread for a new worker: here rather than never.
            drain.run();
        }
    }

    /** {@code disconnect}, to run once the session's handlers have ended (see the class comment). */
    Runnable afterHandlers(Runnable disconnect) {
        return new AfterHandlers(disconnect);
    }

    /** A PostDisconnect that runs once the session's handlers have ended, or once it waited long enough. */
    private final class AfterHandlers implements Runnable {
        final Runnable disconnect;
        volatile io.netty.util.@Nullable Timeout bound;

        AfterHandlers(Runnable disconnect) {
            this.disconnect = disconnect;
        }

        @Override
        public void run() {
            disconnect.run();
        }
    }

    /** Parks {@code task} while handlers of the session are in flight; false when none are (run it now). */
    private boolean parked(AfterHandlers task) {
        if (session.activeHandlers() == 0 || peer.closing) {
            // During a shutdown the drain waited already, and queued work may never run.
            return false;
        }
        Duration wait = peer.limits.maxQueueWait();
        long nanos = wait.isZero() ? TimeUnit.SECONDS.toNanos(10) : wait.toNanos();
        parked = task;
        try {
            task.bound = peer.timer.newTimeout(t -> resume(task), nanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException stopped) {
            // The timer is gone with the peer: nothing is worth the wait any more.
        }
        // The last handler may have ended before the task was parked: it saw nothing to resume.
        handlersMayHaveEnded();
        return true;
    }

    /** A handler of the session ended, or a pull: a parked PostDisconnect goes on once none is running. */
    void handlersMayHaveEnded() {
        AfterHandlers task = parked;
        if (task != null && session.activeHandlers() == 0) {
            resume(task);
        }
    }

    private void resume(AfterHandlers task) {
        synchronized (session) {
            if (parked != task) {
                return;
            }
            parked = null;
        }
        io.netty.util.Timeout bound = task.bound;
        if (bound != null) {
            bound.cancel();
        }
        Runnable drain = () -> drainFrom(task.disconnect);
        try {
            peer.runBlocking(drain);
        } catch (Throwable refused) {
            drain.run();
        }
    }

    private void drainFrom(Runnable first) {
        Runnable task = first;
        while (task != null) {
            if (task instanceof AfterHandlers && parked((AfterHandlers) task)) {
                // The lane stays busy; it goes on from the task once resumed.
                return;
            }
            // As a pool clears it between its tasks: a hook that left it set must not fail the next.
            Thread.interrupted();
            try {
                task.run();
            } catch (Throwable t) {
                // The plugin chain logs the hooks' own failures: what gets here is the JVM's (an error).
                log.error("a connection hook of {} failed", session.id(), t);
            }
            synchronized (session) {
                task = lane == null ? null : lane.poll();
                if (task == null) {
                    draining = false;
                }
            }
        }
    }
}
