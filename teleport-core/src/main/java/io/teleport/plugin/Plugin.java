package io.teleport.plugin;

/**
 * A plugin: anything that implements one or more hook interfaces of this package, such as
 * {@link PostReadPullHeader}. The chain asks each plugin once, when it is added, which hooks it has,
 * so a hook that no plugin implements costs nothing per message.
 *
 * <p>Hooks that return a {@link io.teleport.Rerror} return {@code null} to go on; the first error
 * stops the chain, and what it then does depends on the hook (see each interface).
 */
public interface Plugin {

    /** A name for logs; the simple class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }
}
