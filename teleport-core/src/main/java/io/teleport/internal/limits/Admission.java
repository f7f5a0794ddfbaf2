package io.teleport.internal.limits;

/** What becomes of a message received on a connection, by its session's in-flight limits ({@link ReadGate#admit}). */
public enum Admission {
    /** Within the limits: it goes to its handler. */
    WITHIN,
    /** Past the limit, read on for this side's replies and within twice it: it waits for room, in order. */
    WAITS,
    /** Past what may wait: refused ({@code 503}, a push dropped). */
    REFUSED
}
