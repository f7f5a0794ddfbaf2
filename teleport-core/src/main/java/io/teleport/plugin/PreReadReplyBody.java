package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a REPLY's body is decoded. An error becomes the pull's result.
 */
public interface PreReadReplyBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preReadReplyBody(ReadContext ctx);
}
