package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a connection is accepted. An error closes the session.
 */
public interface PostAccept extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postAccept(Session session);
}
