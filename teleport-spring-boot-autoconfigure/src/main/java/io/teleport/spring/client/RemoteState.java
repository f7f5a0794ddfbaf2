package io.teleport.spring.client;

/**
 * Where a {@link SessionTemplate}'s connection to its remote stands, for health checks: a remote
 * that cannot be reached should say so before the first call fails, not after.
 */
public enum RemoteState {
    /** Not dialed yet: the template dials on first use. */
    IDLE,
    /** A dial is under way. */
    CONNECTING,
    /** The session is up. */
    CONNECTED,
    /** The session's connection broke and the peer is redialing it; calls wait for it within their timeout. */
    REDIALING,
    /** The last dial failed, or the session closed for good; the next call (or attempt) dials again. */
    DOWN
}
