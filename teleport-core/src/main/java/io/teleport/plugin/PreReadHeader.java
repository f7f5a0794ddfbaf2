package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. Before each frame is read, on the I/O thread. An error closes the connection.
 */
public interface PreReadHeader extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror preReadHeader(Session session);
}
