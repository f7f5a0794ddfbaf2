package io.teleport.plugin;

import io.teleport.message.Rerror;

/**
 * Hook. After a PUSH is written. An error is logged.
 */
public interface PostWritePush extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror postWritePush(WriteContext ctx);
}
