package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a REPLY is written, or failed to be (handler scope). An error is logged.
 */
public interface PostWriteReply extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postWriteReply(WriteContext ctx);
}
