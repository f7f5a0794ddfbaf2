package io.teleport.router;

/** The context of a push handler. */
public interface PushContext extends MessageContext {
}
