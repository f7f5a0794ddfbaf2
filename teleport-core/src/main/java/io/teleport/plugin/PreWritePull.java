package io.teleport.plugin;

import io.teleport.Rerror;

/**
 * Hook. Before a PULL is written. An error ends the pull with it; nothing is written.
 */
public interface PreWritePull extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror preWritePull(WriteContext ctx);
}
