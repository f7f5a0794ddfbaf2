package io.teleport.internal.session;

import io.netty.util.concurrent.FastThreadLocal;
import org.jspecify.annotations.Nullable;

/**
 * Which session's handler the current thread is running, so that a pull made on that same session
 * from inside it is known as nested: the handler holds one of the session's in-flight places until
 * the reply comes, and the reply comes only if the session is read (see {@code ReadGate.admit}).
 * Pulls made later from another thread (a callback) are not seen; a handler that blocks or returns
 * a stage makes its pull while it runs.
 */
final class NestedCalls {

    /** Netty's: handler and I/O threads are its threads, where it is an array slot rather than a map lookup. */
    private static final FastThreadLocal<@Nullable DefaultSession> RUNNING = new FastThreadLocal<>();

    private NestedCalls() {
    }

    /** The current thread starts running a handler of {@code session}; returns what to give {@link #exit}. */
    static @Nullable DefaultSession enter(DefaultSession session) {
        DefaultSession outer = RUNNING.get();
        RUNNING.set(session);
        return outer;
    }

    /** The handler returned; {@code outer} is what {@link #enter} returned. */
    static void exit(@Nullable DefaultSession outer) {
        // Set, not removed: a handler thread runs many handlers, and its entry is reused each time.
        RUNNING.set(outer);
    }

    /** Whether the current thread runs a handler of {@code session}. */
    static boolean within(DefaultSession session) {
        return RUNNING.get() == session;
    }
}
