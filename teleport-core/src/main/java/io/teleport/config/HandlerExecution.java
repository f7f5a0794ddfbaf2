package io.teleport.config;

/** Where handlers run. */
public enum HandlerExecution {
    /**
     * On a bounded pool of platform threads (the default): handlers may block. The pool keeps one
     * thread per core and adds threads only while blocking handlers hold all of them up, up
     * to {@link PeerConfig#handlerThreads()}, and a quarter more that only senders running few
     * handlers at once may take, so that senders whose handlers block cannot hold every thread.
     */
    POOL,
    /**
     * On a new virtual thread per message when the JVM has them (Java 21+), otherwise as
     * {@link #POOL}: handlers may block, with no pool to size.
     */
    VIRTUAL,
    /**
     * On the connection's I/O thread: the fastest, for handlers that never block. A handler that
     * blocks here stalls every connection of that thread.
     */
    INLINE
}
