package io.teleport.spring.client;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import org.springframework.util.AntPathMatcher;
import org.springframework.util.PathMatcher;

import java.util.List;

/**
 * When a template tries a call again on another instance of its service. A call that never reached a
 * handler is always tried again, while attempts and instances last: one whose dial failed
 * ({@code 105}) or whose frame was not written ({@code 104}) on this side, or that the instance
 * refused before handling it ({@code 503}: draining, saturated; a handler answering 503 says the same,
 * as in HTTP). A {@code 104} or {@code 105} that came in the instance's reply (a Go peer's handler passing
 * on the failure of a call of its own; see {@link RerrorException#fromReply()}) says the handler ran: not
 * tried again. A
 * call whose connection broke after it was written ({@code 102}) may have run: it is tried again only
 * when its route is idempotent, by path or by {@link SessionTemplate#IDEMPOTENT}. Nothing else is retried:
 * not a timeout, not an error reply. A remote with one fixed address has no other instance to try.
 *
 * @param maxAttempts the most attempts of one call, the first included
 * @param idempotentPaths Ant-style patterns of the paths (the URI without its query) whose calls may
 *     run twice, such as {@code /stock/get} or {@code /query/**}
 */
public record RetryPolicy(int maxAttempts, List<String> idempotentPaths) {

    /** Three attempts; no idempotent paths. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, List.of());

    private static final PathMatcher PATHS = new AntPathMatcher();

    /** Checks the values. */
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        idempotentPaths = idempotentPaths == null ? List.of() : List.copyOf(idempotentPaths);
    }

    /** Whether a call that failed with {@code failure} is tried again on another instance. */
    boolean retries(RerrorException failure, String uri, CallOption[] options) {
        int code = failure.code();
        if (code == Rerror.CODE_UNAVAILABLE) {
            return true;
        }
        if (code == Rerror.CODE_DIAL_FAILED || code == Rerror.CODE_WRITE_FAILED) {
            return !failure.fromReply();
        }
        return code == Rerror.CODE_CONNECTION_CLOSED && idempotent(uri, options);
    }

    private boolean idempotent(String uri, CallOption[] options) {
        for (CallOption option : options) {
            if (option == SessionTemplate.IDEMPOTENT) {
                return true;
            }
        }
        if (idempotentPaths.isEmpty()) {
            return false;
        }
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        for (String pattern : idempotentPaths) {
            if (PATHS.match(pattern, path)) {
                return true;
            }
        }
        return false;
    }
}
