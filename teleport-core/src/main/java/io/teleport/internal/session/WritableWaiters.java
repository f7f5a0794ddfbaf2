package io.teleport.internal.session;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Who waits for a session to become writable again ({@link io.teleport.session.Session#whenWritable()}):
 * made by the first waiter, as most sessions never have one; each completes when the session is writable
 * again, or fails with {@code 104} once it is closed.
 */
final class WritableWaiters {

    private final Queue<CompletableFuture<Void>> queue = new ConcurrentLinkedQueue<>();

    /** A waiter on {@code session}, settled at once when it is writable or closed already. */
    CompletableFuture<Void> add(DefaultSession session) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (session.isFinished()) {
            f.completeExceptionally(CallErrors.writeFailed(null).toException());
            return f;
        }
        queue.add(f);
        // Writable already, or became so (or closed) before the waiter was visible: settle it now.
        if (session.channel().isWritable() || session.isFinished()) {
            release(session.isFinished());
        }
        return f;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Completes every waiter: writable, or failed with {@code 104} when {@code closed}. */
    void release(boolean closed) {
        CompletableFuture<Void> f;
        while ((f = queue.poll()) != null) {
            if (closed) {
                f.completeExceptionally(CallErrors.writeFailed(null).toException());
            } else {
                f.complete(null);
            }
        }
    }
}
