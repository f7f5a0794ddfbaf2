package io.teleport.router;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Turns an exception a handler threw into the error its caller gets, so that expected failures of
 * the application (out of stock, not allowed) reach the caller as codes of its choosing without a
 * {@code RerrorException} in every handler, and without a stack trace in the log: a mapped exception
 * is an answer, not a bug. Register mappers with {@code Peer.builder().exceptionMapper(...)}; they
 * are asked in order and the first that returns an error wins.
 *
 * <p>An exception no mapper knows is unexpected: the caller gets {@code 500 Internal Server Error}
 * with no detail (unless {@code PeerConfig.includeErrorMessage()}), and the peer logs it once with
 * its stack. A {@link io.teleport.message.RerrorException} is never given to mappers: it already is
 * the answer.
 */
@FunctionalInterface
public interface ExceptionMapper {

    /**
     * The error for {@code error}, thrown by the handler of {@code ctx} (a pull's or a push's, whose
     * error only decides how it is logged); {@code null} when this mapper does not know it.
     * {@code error} is the cause itself, unwrapped from {@code CompletionException}s.
     */
    @Nullable Rerror toRerror(Throwable error, MessageContext ctx);
}
