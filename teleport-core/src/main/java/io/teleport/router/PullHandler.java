package io.teleport.router;

import org.jspecify.annotations.Nullable;

/**
 * A pull handler function.
 *
 * <p>The returned value is the reply body ({@code null} for none; a
 * {@link java.util.concurrent.CompletionStage} replies when it completes, or with {@code 408} once
 * {@link io.teleport.config.PeerConfig#asyncHandlerTimeout()} passes first). Returning a
 * {@link io.teleport.message.Rerror} (Go's {@code (result, *Rerror)}) or throwing a
 * {@link io.teleport.message.RerrorException} replies with that error; any other exception replies
 * what an {@link ExceptionMapper} makes of it, or 500.
 *
 * @param <T> the request body type
 */
@FunctionalInterface
public interface PullHandler<T> {

    /**
     * Handles one pull; {@code body} is {@code null} when the request had none (or JSON's {@code null}),
     * except for a primitive body type, which gets its zero.
     */
    @Nullable Object handle(@Nullable T body, PullContext ctx) throws Exception;
}
