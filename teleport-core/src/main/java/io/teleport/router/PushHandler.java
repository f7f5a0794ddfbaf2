package io.teleport.router;

/**
 * A push handler function. A push has no reply: an exception is logged on this side only.
 *
 * @param <T> the body type
 */
@FunctionalInterface
public interface PushHandler<T> {

    /** Handles one push. */
    void handle(T body, PushContext ctx) throws Exception;
}
