package io.teleport.plugin;

import io.teleport.message.Rerror;

/**
 * Hook. After a PULL is written. An error is logged.
 */
public interface PostWritePull extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror postWritePull(WriteContext ctx);
}
