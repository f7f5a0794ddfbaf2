package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a REPLY's header is read and matched to its pull. An error becomes the pull's result.
 */
public interface PostReadReplyHeader extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postReadReplyHeader(ReadContext ctx);
}
