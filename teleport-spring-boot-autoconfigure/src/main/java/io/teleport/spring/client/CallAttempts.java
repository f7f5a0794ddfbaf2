package io.teleport.spring.client;

import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One call through its attempts: each on a connection not tried yet, until one succeeds or the
 * failure is not one the {@link RetryPolicy} retries. Runs on whichever thread completes the
 * previous attempt; choosing and dialing do not block.
 */
final class CallAttempts<T> {

    private final SessionTemplate template;
    private final String uri;
    private final CallOption[] options;
    private final boolean pull;
    private final Function<Session, CompletableFuture<T>> call;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final long start = System.nanoTime();
    private int attempts;
    private @Nullable Set<RemoteConnection> tried;

    CallAttempts(SessionTemplate template, String uri, CallOption[] options, boolean pull,
            Function<Session, CompletableFuture<T>> call) {
        this.template = template;
        this.uri = uri;
        this.options = options;
        this.pull = pull;
        this.call = call;
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
        try {
            dialed = connection.session();
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
                done = call.apply(session);
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
                if (RemoteConnection.saysDraining(cause)) {
                    connection.draining(session);
                }
                failed(connection, cause, false);
            });
        });
    }

    private void failed(RemoteConnection connection, Throwable error, boolean dial) {
        if (error instanceof RerrorException e && attempts < template.retries().maxAttempts()
                && template.retries().retries(e.rerror().code(), uri, options)) {
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
