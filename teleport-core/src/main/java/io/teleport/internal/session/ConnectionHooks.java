package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The dial or accept hooks of a session's connection, run off the I/O thread, and what must wait for
 * their end. The connection is read while they run and may close meanwhile: its PostDisconnect then
 * runs once they ended, so that a plugin pairing the two (a count of open sessions, a presence list)
 * sees them in order. State changes hold the session's monitor.
 */
final class ConnectionHooks {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    /** The session whose dial hooks run on this thread: its pulls go out while it is still redialing. */
    private static final ThreadLocal<DefaultSession> IN_DIAL_HOOKS = new ThreadLocal<>();

    private final DefaultSession session;
    private final PeerContext peer;
    /** Whether hooks are running: they, not the closing connection, settle the dial. */
    private volatile boolean running;
    /** What waits for the running hooks to end; guarded by the session's monitor. */
    private @Nullable Runnable then;

    ConnectionHooks(DefaultSession session, PeerContext peer) {
        this.session = session;
        this.peer = peer;
    }

    boolean running() {
        return running;
    }

    /** Whether this thread runs the dial hooks of {@code session}. */
    static boolean inDialHooks(DefaultSession session) {
        return IN_DIAL_HOOKS.get() == session;
    }

    /**
     * Runs {@code hook} off the I/O thread, then {@code settle} with its refusal, or {@code null} to
     * admit the connection; then whatever waited for their end.
     */
    void run(Hook<?, Session> hook, Consumer<@Nullable Rerror> settle) {
        running = true;
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
            try {
                settle.accept(rerror);
            } finally {
                Runnable next;
                synchronized (session) {
                    running = false;
                    next = then;
                    then = null;
                }
                if (next != null) {
                    next.run();
                }
            }
        });
    }

    /** Runs {@code task} off the I/O thread, after the running hooks if any still run. */
    void afterThem(Runnable task) {
        synchronized (session) {
            if (running) {
                Runnable earlier = then;
                then = earlier == null ? task : () -> {
                    earlier.run();
                    task.run();
                };
                return;
            }
        }
        peer.runBlocking(task);
    }
}
