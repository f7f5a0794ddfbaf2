package io.teleport.plugin;

/**
 * A plugin that holds the sessions a peer accepts to a smaller read limit until it has verified them,
 * such as the authentication handshake's: a connection that has proved nothing could otherwise send
 * frames up to the peer's read limit (16 MiB by default), each buffered whole and decoded before any
 * plugin can refuse it. The smallest such limit in the chain applies from an accepted connection's
 * first byte, and a larger frame closes the connection; the plugin lifts it with
 * {@link io.teleport.session.Session#setReadLimit} once the session has proved itself (one limit per
 * session: the first plugin to lift it lifts it for all). Sessions the peer dials start at the peer's
 * read limit.
 */
public interface UnverifiedReadLimit extends Plugin {

    /** The largest frame, length prefix included, an accepted session may send before this plugin verifies it. */
    int unverifiedReadLimit();
}
