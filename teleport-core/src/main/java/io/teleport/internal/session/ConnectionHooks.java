package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
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

    private void drainFrom(Runnable first) {
        Runnable task = first;
        while (task != null) {
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
