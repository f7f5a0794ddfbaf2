package io.teleport.plugin;

/**
 * A plugin: anything that implements one or more hook interfaces of this package, such as
 * {@link PostReadPullHeader}. The chain asks each plugin once, when it is added, which hooks it has,
 * so a hook that no plugin implements costs nothing per message.
 *
 * <p>Hooks that return a {@link io.teleport.message.Rerror} return {@code null} to go on; the first error
 * stops the chain, and what it then does depends on the hook (see each interface).
 */
public interface Plugin {

    /** A name for logs; the simple class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Whether every hook of this plugin returns quickly without blocking (no I/O, no waiting on
     * locks or other calls), so that the peer may run the hooks that follow a write or a received
     * reply on the I/O thread where they arise instead of handing them to the handler executor.
     * {@code false} by default: a hook that blocks an I/O thread stalls every connection on it.
     */
    default boolean nonBlocking() {
        return false;
    }
}
