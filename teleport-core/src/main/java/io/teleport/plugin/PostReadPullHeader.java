package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a PULL's header is read, before routing: a rewritten URI changes the route. An error is
 * the reply; the handler does not run.
 */
public interface PostReadPullHeader extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postReadPullHeader(ReadContext ctx);
}
