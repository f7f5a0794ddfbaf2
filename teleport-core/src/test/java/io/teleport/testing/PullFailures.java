package io.teleport.testing;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;

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
}
