package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a PUSH is written. An error is logged.
 */
public interface PostWritePush extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postWritePush(WriteContext ctx);
}
