package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a PULL's body is decoded, before the handler (handler scope). An error is the reply; the
 * handler does not run.
 */
public interface PostReadPullBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postReadPullBody(ReadContext ctx);
}
