package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a connection is accepted. An error closes the session. It runs off the I/O thread while
 * the connection is already read: a check that must come before any handler sees a message (an
 * allow-list) belongs in {@link PreReadHeader}, whose error closes the connection before the frame
 * is read.
 */
public interface PostAccept extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postAccept(Session session);
}
