package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The dial or accept hooks of a session's connections and the PostDisconnect hooks that pair with
 * them, run off the I/O thread one after another, in the order their connections came and went (a
 * lane of the session's own). A connection is read while its hooks run and may close meanwhile: its
 * PostDisconnect then still runs after them, and a redial's PostDial after the PostDisconnect of the
 * attempt before, so that a plugin pairing the two (a count of open sessions, a presence list) sees
 * them in order. The session's close future does not wait in the lane behind a hook ({@link #busy}):
 * that hook may be what closed the session, waiting for it. The lane's state is guarded by the
 * session's monitor.
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
     * A connection's hooks are about to run ({@link #run}). Called under the session's monitor with the
     * rest of the connection's state, so that its close, however soon it comes, is settled by them.
     */
    void starting() {
        settling++;
    }

    boolean settling() {
        return settling > 0;
    }

    /** Whether this thread runs the dial hooks of {@code session}. */
    static boolean inDialHooks(DefaultSession session) {
        return IN_DIAL_HOOKS.get() == session;
    }

    /**
     * Runs {@code hook} in its turn, then {@code settle} with its refusal, or {@code null} to admit the
     * connection (which completes the dial: its callbacks run here too).
     */
    void run(Hook<?, Session> hook, Consumer<@Nullable Rerror> settle) {
        afterThem(() -> {
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
            try {
                settle.accept(rerror);
            } finally {
                synchronized (session) {
                    settling--;
                }
            }
        });
    }

    /**
     * Whether the lane is busy: a hook of this session runs or waits for its turn. Such a hook may
     * wait for the session's close, so the close future must not wait in the lane behind it.
     */
    boolean busy() {
        synchronized (session) {
            return draining;
        }
    }

    /** Runs {@code task} off the I/O thread in its turn: after the hooks queued or running before it. */
    void afterThem(Runnable task) {
        synchronized (session) {
            if (draining) {
                if (lane == null) {
                    lane = new ArrayDeque<>(2);
                }
                lane.add(task);
                return;
            }
            draining = true;
        }
        Runnable drain = () -> drainFrom(task);
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
