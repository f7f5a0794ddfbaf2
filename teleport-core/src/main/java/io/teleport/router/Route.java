package io.teleport.router;

import io.teleport.plugin.PluginChain;
import io.teleport.plugin.RouteInfo;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.Objects;

/**
 * One registered handler: its path, the type its body is decoded into, and how to call it.
 */
public final class Route implements RouteInfo {

    /** Calls the handler with the decoded body. */
    @FunctionalInterface
    public interface Invoker {

        /** Calls the handler; returns the reply body, if any. */
        @Nullable Object invoke(@Nullable Object body, MessageContext ctx) throws Exception;
    }

    private final String path;
    private final @Nullable Type bodyType;
    private final String handlerName;
    private final Invoker invoker;
    private final PluginChain plugins;
    private final boolean nonBlocking;

    /**
     * Creates a route.
     *
     * @param path the full path
     * @param bodyType the body type, or {@code null} for a handler that takes the raw body
     * @param handlerName a description for logs, such as {@code Home#test}
     * @param invoker calls the handler
     */
    public Route(String path, @Nullable Type bodyType, String handlerName, Invoker invoker) {
        this(path, bodyType, handlerName, invoker, PluginChain.empty(), false);
    }

    private Route(String path, @Nullable Type bodyType, String handlerName, Invoker invoker, PluginChain plugins,
            boolean nonBlocking) {
        this.path = Objects.requireNonNull(path, "path");
        this.bodyType = bodyType;
        this.handlerName = Objects.requireNonNull(handlerName, "handlerName");
        this.invoker = Objects.requireNonNull(invoker, "invoker");
        this.plugins = Objects.requireNonNull(plugins, "plugins");
        this.nonBlocking = nonBlocking;
    }

    /** The same route with these route-scoped plugins (its groups', then its own). */
    public Route withPlugins(PluginChain plugins) {
        return new Route(path, bodyType, handlerName, invoker, plugins, nonBlocking);
    }

    /** The same route, marked as one whose handler never blocks, or not (see {@link NonBlocking}). */
    public Route withNonBlocking(boolean nonBlocking) {
        return new Route(path, bodyType, handlerName, invoker, plugins, nonBlocking);
    }

    /** Whether the handler never blocks, and so runs on the I/O thread (see {@link NonBlocking}). */
    public boolean isNonBlocking() {
        return nonBlocking;
    }

    /**
     * The plugins of this route's groups and registration, which run after the peer's for the
     * handler-scoped hooks.
     */
    public PluginChain plugins() {
        return plugins;
    }

    /** The full path. */
    public String path() {
        return path;
    }

    /** The type the body is decoded into; {@code null} when the handler takes the raw body. */
    public @Nullable Type bodyType() {
        return bodyType;
    }

    /** Whether the handler takes the raw body (unknown handlers). */
    public boolean isRaw() {
        return bodyType == null;
    }

    /** A description of the handler for logs. */
    public String handlerName() {
        return handlerName;
    }

    /** Calls the handler with the decoded body, which may be {@code null}; returns the reply body, if any. */
    public @Nullable Object invoke(@Nullable Object body, MessageContext ctx) throws Exception {
        return invoker.invoke(body, ctx);
    }

    @Override
    public String toString() {
        return path + " -> " + handlerName;
    }
}
