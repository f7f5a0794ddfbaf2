package io.teleport.router;

import org.jspecify.annotations.Nullable;

/**
 * Handles pulls to paths with no route, instead of the 404 reply. Results and errors as for
 * {@link PullHandler}.
 */
@FunctionalInterface
public interface UnknownPullHandler {

    /** Handles one pull to an unknown path. */
    @Nullable Object handle(UnknownPullContext ctx) throws Exception;
}
