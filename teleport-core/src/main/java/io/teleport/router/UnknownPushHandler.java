package io.teleport.router;

/** Handles pushes to paths with no route, instead of the warning log. */
@FunctionalInterface
public interface UnknownPushHandler {

    /** Handles one push to an unknown path. */
    void handle(UnknownPushContext ctx) throws Exception;
}
