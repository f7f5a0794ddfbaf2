package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a PULL's body is decoded (handler scope). An error is the reply; the handler does not
 * run.
 */
public interface PreReadPullBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preReadPullBody(ReadContext ctx);
}
