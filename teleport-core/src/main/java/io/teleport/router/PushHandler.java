package io.teleport.router;

import org.jspecify.annotations.Nullable;

/**
 * A push handler function. A push has no reply: an exception is logged on this side only.
 *
 * @param <T> the body type
 */
@FunctionalInterface
public interface PushHandler<T> {

    /**
     * Handles one push; {@code body} is {@code null} when the push had none (or JSON's {@code null}),
     * except for a primitive body type, which gets its zero.
     */
    void handle(@Nullable T body, PushContext ctx) throws Exception;
}
