package io.teleport.plugin;

import io.teleport.message.Rerror;

/**
 * Hook. Before a REPLY is written (handler scope). An error replaces the reply: the puller gets that
 * error.
 */
public interface PreWriteReply extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror preWriteReply(WriteContext ctx);
}
