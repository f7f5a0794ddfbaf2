package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The dial or accept hooks of a session's connections, run off the I/O thread, and what must wait for
 * their end. The connection is read while they run and may close meanwhile: its PostDisconnect then
 * runs once they ended, so that a plugin pairing the two (a count of open sessions, a presence list)
 * sees them in order. Counts, not flags: a redial's hooks may start before a broken connection's
 * ended. State changes hold the session's monitor.
 */
final class ConnectionHooks {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    /** The session whose dial hooks run on this thread: its pulls go out while it is still redialing. */
    private static final ThreadLocal<DefaultSession> IN_DIAL_HOOKS = new ThreadLocal<>();

    private final DefaultSession session;
    private final PeerContext peer;
    /** Hook chains running; guarded by the session's monitor. */
    private int running;
    /** Hook chains whose dial or accept is not settled yet: they, not the closing connection, settle it. */
    private volatile int settling;
    /** What waits for the running hooks to end; guarded by the session's monitor. */
    private @Nullable Runnable then;

    ConnectionHooks(DefaultSession session, PeerContext peer) {
        this.session = session;
        this.peer = peer;
    }

    /**
     * A connection's hooks are about to run. Called under the session's monitor with the rest of the
     * connection's state, so that its close, however soon it comes, waits for them.
     */
    void starting() {
        running++;
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
     * Runs {@code hook} off the I/O thread (after {@link #starting}), then {@code settle} with its
     * refusal, or {@code null} to admit the connection. What waited for the hooks runs on a thread of
     * its own as they end, before the settling: that runs the dial's callbacks, user code that may wait
     * for this session's close, which may be what waited.
     */
    void run(Hook<?, Session> hook, Consumer<@Nullable Rerror> settle) {
        peer.runBlocking(() -> {
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
            Runnable next = null;
            synchronized (session) {
                if (--running == 0) {
                    next = then;
                    then = null;
                }
            }
            if (next != null) {
                peer.runBlocking(next);
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

    /** Runs {@code task} off the I/O thread, after the running hooks if any still run. */
    void afterThem(Runnable task) {
        synchronized (session) {
            if (running > 0) {
                Runnable earlier = then;
                then = earlier == null ? task : () -> {
                    try {
                        earlier.run();
                    } finally {
                        task.run();
                    }
                };
                return;
            }
        }
        peer.runBlocking(task);
    }
}
