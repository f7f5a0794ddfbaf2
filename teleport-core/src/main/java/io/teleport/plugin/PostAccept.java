package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a connection is accepted. An error closes the session. A gate: the pulls and pushes
 * that arrive while the accept hooks run reach no handler until every one passed (a plugin's
 * private paths, such as the authentication handshake's, excepted), and none if one refused.
 */
public interface PostAccept extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postAccept(Session session);
}
