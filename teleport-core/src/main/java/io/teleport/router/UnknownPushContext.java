package io.teleport.router;

/** The context of the unknown-push handler: a push context whose body is still raw. */
public interface UnknownPushContext extends PushContext, RawBody {
}
