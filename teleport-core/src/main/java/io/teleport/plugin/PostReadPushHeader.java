package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a PUSH's header is read, before routing. An error drops the push with a warning.
 */
public interface PostReadPushHeader extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postReadPushHeader(ReadContext ctx);
}
