/**
 * The hook interfaces a plugin implements, {@link Hook} (one row per hook: interface, invoker, failure
 * policy) and {@link PluginChain}, the one runner of them all; what the hooks see of a message and of a
 * route.
 */
@NullMarked
package io.teleport.plugin;

import org.jspecify.annotations.NullMarked;
