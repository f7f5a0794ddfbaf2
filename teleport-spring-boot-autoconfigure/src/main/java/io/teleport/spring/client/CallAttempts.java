package io.teleport.spring.client;

import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One call through its attempts: each on a connection not tried yet, until one succeeds, the
 * failure is not one the {@link RetryPolicy} retries, or a pull's {@link CallDeadline} has passed.
 * Runs on whichever thread completes the previous attempt; choosing and dialing do not block.
 */
final class CallAttempts<T> {

    private final SessionTemplate template;
    private final String uri;
    private final CallOption[] options;
    private final boolean pull;
    /** Calls the remote on a session with these options (the call's own, or a retry's limited ones). */
    private final java.util.function.BiFunction<Session, CallOption[], CompletableFuture<T>> call;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final long start = System.nanoTime();
    /** A pull's whole time; null for a push or a session, which have no timeout. */
    private final @Nullable CallDeadline deadline;
    private int attempts;
    private @Nullable Set<RemoteConnection> tried;

    CallAttempts(SessionTemplate template, String uri, CallOption[] options, boolean pull,
            java.util.function.BiFunction<Session, CallOption[], CompletableFuture<T>> call) {
        this.template = template;
        this.uri = uri;
        this.options = options;
        this.pull = pull;
        this.call = call;
        this.deadline = pull ? CallDeadline.of(template.peer(), options, start) : null;
    }

    CompletableFuture<T> start() {
        RemoteConnection first = template.instances().choose(uri, null);
        if (first == null) {
            end(template.noInstance(), true);
        } else {
            attempt(first);
        }
        return result;
    }

    private void attempt(RemoteConnection connection) {
        attempts++;
        CompletableFuture<Session> dialed;
        boolean fresh;
        try {
            CompletableFuture<Session> dialing = connection.session();
            // Waited for a dial, or tried before: the pull gets what is left of the call's time.
            fresh = deadline == null || attempts == 1 && dialing.isDone();
            dialed = deadline == null ? dialing : deadline.bound(dialing, connection.address());
        } catch (RuntimeException peerClosed) {
            end(peerClosed, false);
            return;
        }
        dialed.whenComplete((session, dialError) -> {
            if (dialError != null) {
                failed(connection, SessionTemplate.unwrap(dialError), true);
                return;
            }
            CompletableFuture<T> done;
            try {
                done = call.apply(session, fresh ? options : deadline.forRetry(options));
            } catch (RuntimeException e) {
                failed(connection, e, false);
                return;
            }
            done.whenComplete((value, error) -> {
                if (error == null) {
                    result.complete(value);
                    return;
                }
                Throwable cause = SessionTemplate.unwrap(error);
                if (!fresh && cause instanceof RerrorException timedOut) {
                    cause = deadline.explained(timedOut);
                }
                if (RemoteConnection.saysDraining(cause)) {
                    connection.draining(session);
                }
                failed(connection, cause, false);
            });
        });
    }

    private void failed(RemoteConnection connection, Throwable error, boolean dial) {
        if (error instanceof RerrorException e && attempts < template.retries().maxAttempts()
                && (deadline == null || deadline.remainingNanos() > 0)
                && template.retries().retries(e, uri, options)) {
            if (tried == null) {
                tried = new HashSet<>();
            }
            tried.add(connection);
            RemoteConnection next = template.instances().choose(uri, tried);
            if (next != null) {
                attempt(next);
                return;
            }
        }
        end(error, dial);
    }

    private void end(Throwable error, boolean dial) {
        if (dial && pull && error instanceof RerrorException e) {
            template.notDialed(uri, e.rerror(), start);
        }
        result.completeExceptionally(error);
    }
}
