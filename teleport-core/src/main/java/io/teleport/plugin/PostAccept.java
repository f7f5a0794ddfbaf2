package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;

/**
 * Hook. After a connection is accepted. An error closes the session.
 */
public interface PostAccept extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    Rerror postAccept(Session session);
}
