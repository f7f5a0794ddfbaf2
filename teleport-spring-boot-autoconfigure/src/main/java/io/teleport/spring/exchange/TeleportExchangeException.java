package io.teleport.spring.exchange;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import org.jspecify.annotations.Nullable;

/**
 * The error a call through a {@link TeleportExchange} proxy ended with: the remote's {@code Rerror}
 * reply or this side's own (timeout, lost connection, failed dial), as a {@link RerrorException}
 * so that code catching those keeps working, plus the remote and route, which a stack trace through
 * a proxy would not show. Thrown fresh on the calling thread, so its stack shows the caller.
 */
public class TeleportExchangeException extends RerrorException {

    private static final long serialVersionUID = 1L;

    private final String remote;
    private final String path;

    /** The error of a call of {@code path} on {@code remote}. */
    public TeleportExchangeException(Rerror rerror, String remote, String path, @Nullable Throwable cause) {
        super(rerror, cause);
        this.remote = remote;
        this.path = path;
    }

    /**
     * The error's JSON, then the route and remote, so that a log line of it alone says which call
     * failed: {@code {"code":404,"message":"Not Found"} (call of /stock/item on remote 'inventory')}.
     */
    @Override
    public String getMessage() {
        return super.getMessage() + " (call of " + path + " on remote '" + remote + "')";
    }

    /** The remote's name: {@code default}, or its key under {@code teleport.clients}. */
    public String remote() {
        return remote;
    }

    /** The route path called, without its query. */
    public String path() {
        return path;
    }
}
