package io.teleport.plugin;

import io.teleport.session.Session;

/**
 * Hook. After a session's connection is closed, whoever closed it. Exceptions are logged.
 */
public interface PostDisconnect extends Plugin {

    /** Runs the hook. */
    void postDisconnect(Session session);
}
