package io.teleport.plugin;

import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before a PUSH is written. An error fails the push with it; nothing is written.
 */
public interface PreWritePush extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preWritePush(WriteContext ctx);
}
