package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a PUSH's body is decoded, before the handler (handler scope). An error drops the push.
 */
public interface PostReadPushBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postReadPushBody(ReadContext ctx);
}
