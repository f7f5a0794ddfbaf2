package io.teleport.router;

/** The context of a push handler. */
public interface PushContext extends MessageContext {

    /** A push context is a push's unless it says otherwise. */
    @Override
    default boolean isPull() {
        return false;
    }
}
