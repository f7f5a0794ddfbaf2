package io.teleport.router;

/** The context of the unknown-pull handler: a pull context whose body is still raw. */
public interface UnknownPullContext extends PullContext, RawBody {
}
