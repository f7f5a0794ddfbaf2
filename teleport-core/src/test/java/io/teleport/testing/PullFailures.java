package io.teleport.testing;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The error a pull that must fail ends with, for tests of what callers are told. */
public final class PullFailures {

    private PullFailures() {
    }

    /** The {@link Rerror} that pulling {@code uri} with {@code body} fails with; an assertion error if it succeeds. */
    public static Rerror of(Session session, String uri, Object body) {
        try {
            Object reply = session.pull(uri, body, Object.class);
            throw new AssertionError(uri + " did not fail: it replied " + reply);
        } catch (RerrorException e) {
            return e.rerror();
        }
    }

    /** The code a failed pull's future ended with; an assertion error if it did not fail with a {@link RerrorException}. */
    public static int code(CompletableFuture<?> failed) {
        Throwable e = failed.handle((v, error) -> error).join();
        if (e instanceof CompletionException || e instanceof ExecutionException) {
            e = e.getCause();
        }
        if (!(e instanceof RerrorException)) {
            throw new AssertionError("the pull did not fail with a RerrorException: " + e);
        }
        return ((RerrorException) e).code();
    }
}
