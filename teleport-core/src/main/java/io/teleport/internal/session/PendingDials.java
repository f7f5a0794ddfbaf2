package io.teleport.internal.session;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dials not yet settled, so that the peer's shutdown can fail the ones its stopped I/O threads
 * will never settle: a connection whose registration or connect an I/O thread refuses as it stops
 * is closed by Netty, but the listener that would fail the dial is handed to that same thread and
 * never runs, and its caller would wait forever.
 */
public final class PendingDials {

    private final Map<CompletableFuture<DefaultSession>, String> dials = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /**
     * Tracks {@code dial}, to {@code address}, until it completes; fails it at once when the I/O
     * threads have stopped already (a dial whose name lookup outlasted the shutdown).
     */
    public void track(CompletableFuture<DefaultSession> dial, String address) {
        dials.put(dial, address);
        // Registered after the put: a dial already completed is removed at once.
        dial.whenComplete((session, error) -> dials.remove(dial));
        // Read after the put: either this sees the stop, or failAll sees the dial (or both).
        if (stopped) {
            fail(dial, address);
        }
    }

    /** The dials not yet settled. */
    int size() {
        return dials.size();
    }

    /** Fails every dial still unsettled: called once the I/O threads have stopped. */
    void failAll() {
        stopped = true;
        dials.forEach(PendingDials::fail);
    }

    private static void fail(CompletableFuture<DefaultSession> dial, String address) {
        dial.completeExceptionally(
                Dialer.failed(address, new IllegalStateException("the peer shut down before the dial completed")));
    }
}
