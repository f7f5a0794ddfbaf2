package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a PUSH's body is decoded (handler scope). An error drops the push with a warning.
 */
public interface PreReadPushBody extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preReadPushBody(ReadContext ctx);
}
