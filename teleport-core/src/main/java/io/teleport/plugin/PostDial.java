package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a dial connects (and after each redial), before the session is handed out; it may pull. An
 * error closes the session and fails the dial with that error.
 */
public interface PostDial extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postDial(Session session);
}
