package io.teleport.plugin;

import io.teleport.message.Rerror;

/**
 * Hook. Before a REPLY's body is decoded. An error becomes the pull's result.
 */
public interface PreReadReplyBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror preReadReplyBody(ReadContext ctx);
}
