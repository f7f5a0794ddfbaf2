package io.teleport.plugin;

import io.teleport.session.Session;

/**
 * Hook. After a session's connection is closed, whoever closed it. Exceptions are logged. It runs
 * after the connection's {@link PostDial} or {@link PostAccept}, one hook of the session at a time, and
 * before the session's close future completes: it must not wait for that future. When the session ends
 * with handlers in flight (pushes received before the close are still handled), it runs after them,
 * waiting at most {@code Limits.maxQueueWait()}, and the close future does not wait for it then.
 */
public interface PostDisconnect extends Plugin {

    /** Runs the hook. */
    void postDisconnect(Session session);
}
