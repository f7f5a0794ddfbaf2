package io.teleport.plugin;

import java.util.Set;

/**
 * A plugin that runs a protocol of its own over some paths, such as the authentication handshake on
 * {@code /auth/verify}: the plugins after it in the chain do not see messages to these paths, on
 * either side, in any message hook. Go's auth plugin reads its handshake before the session's other
 * hooks run; this keeps that, so that an application plugin can neither refuse nor log the handshake
 * by accident. A plugin placed before this one still sees them: that is how a plugin asks to.
 *
 * <p>Hooks about a session rather than a message ({@code PostDial}, {@code PostAccept},
 * {@code PreReadHeader}, {@code PostDisconnect}) and route-scoped plugins are not affected.
 */
public interface PrivatePaths extends Plugin {

    /** The paths, without query, whose messages only this plugin and the plugins before it see. */
    Set<String> privatePaths();
}
