package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.Proto;
import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The transport's half of a dial, as the session engine sees it: open a connection to an address and
 * bind it to a session (a new one, or the given one when it redials). The engine names only this, so
 * bootstraps and pipelines stay in the transport package, which depends on the engine and not back.
 */
@FunctionalInterface
public interface Dialer {

    /**
     * Connects; the future completes with the session once its connection is admitted, or fails with a
     * {@link RerrorException} (code {@link Rerror#CODE_DIAL_FAILED}).
     *
     * @param proto the connection's protocol, or {@code null} for the peer's default
     * @param session the session to rebind on a redial, or {@code null} for a new one
     * @param attributes what a new session holds from its start, before the dial hooks run (a redial's
     *     session keeps its own)
     */
    CompletableFuture<DefaultSession> dial(String address, @Nullable Proto proto, @Nullable DefaultSession session,
            Map<String, ?> attributes);

    /** The error of a dial that did not connect, worded as Go Teleport words it. */
    static RerrorException failed(String address, Throwable cause) {
        String why = cause.getMessage() != null ? cause.getMessage()
                : cause instanceof java.nio.channels.ClosedChannelException ? "the connection closed while being made"
                : cause.toString();
        // Netty's "Unable to create Channel" says nothing of why: its root cause does (too many open files).
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != cause && root.getMessage() != null && !why.contains(root.getMessage())) {
            why = why + ": " + root.getMessage();
        }
        return new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", "dial " + address + ": " + why),
                cause);
    }
}
