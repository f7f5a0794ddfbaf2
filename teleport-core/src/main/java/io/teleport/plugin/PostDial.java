package io.teleport.plugin;

import io.teleport.message.Rerror;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

/**
 * Hook. After a dial connects (and after each redial), before the session is handed out; it may pull. An
 * error closes the session and fails the dial with that error. The other side's pulls and pushes that
 * arrive meanwhile reach handlers only once every dial hook passed.
 */
public interface PostDial extends Plugin {

    /** Runs the hook.
     *
     * @return {@code null} to go on, or the error
     */
    @Nullable Rerror postDial(Session session);
}
