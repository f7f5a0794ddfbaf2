package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a REPLY is written (handler scope). An error replaces the reply: the puller gets that
 * error.
 */
public interface PreWriteReply extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preWriteReply(WriteContext ctx);
}
