package io.teleport.router;

import io.teleport.plugin.Plugin;
import io.teleport.plugin.PluginChain;
import org.jspecify.annotations.Nullable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What pull and push routers share: a route table, a prefix, and the plugins of the enclosing
 * groups.
 *
 * @param <R> the router type, returned by {@link #group}
 */
public abstract class Router<R extends Router<R>> {

    final RouteTable table;
    private final String prefix;
    private final PluginChain plugins;

    Router(RouteTable table, String prefix, PluginChain plugins) {
        this.table = table;
        this.prefix = prefix;
        this.plugins = plugins;
    }

    abstract R newGroup(RouteTable table, String prefix, PluginChain plugins);

    abstract Class<? extends MessageContext> contextType();

    /**
     * A group whose routes are registered under {@code prefix}, inside this router's prefix; its
     * plugins apply to its routes (and its own groups') after the enclosing groups'.
     */
    public R group(String prefix, Plugin... plugins) {
        return newGroup(table, RouteNames.join(this.prefix, prefix), this.plugins.append(List.of(plugins)));
    }

    /** This router's prefix; {@code /} for the root. */
    public String prefix() {
        return prefix;
    }

    /** The plugins this router adds to its routes. */
    public PluginChain plugins() {
        return plugins;
    }

    /**
     * Registers every public method of {@code controller} (but those marked {@link NotRoute}) as a
     * route named {@code <prefix>/<snake class name>/<snake method name>}, with these plugins after the
     * groups'.
     *
     * @return the registered paths
     * @throws IllegalArgumentException for a method that cannot be a handler
     * @throws IllegalStateException for a path already registered
     */
    public List<String> register(Object controller, Plugin... plugins) {
        Objects.requireNonNull(controller, "controller");
        PluginChain chain = this.plugins.append(List.of(plugins));
        List<String> paths = new ArrayList<>();
        for (Route route : ControllerRoutes.of(controller, prefix, contextType())) {
            table.add(route.withPlugins(chain));
            paths.add(route.path());
        }
        return paths;
    }

    /** Registers a prepared route as is, with this router's plugins; for integrations. */
    public String route(Route route) {
        Route scoped = Objects.requireNonNull(route, "route").withPlugins(plugins.append(route.plugins().plugins()));
        table.add(scoped);
        return scoped.path();
    }

    /** The route registered at exactly this path, or {@code null}. */
    public @Nullable Route lookup(String path) {
        return table.get(path);
    }

    /** Whether any route of this router (or its groups) is {@link NonBlocking}. */
    public boolean hasNonBlockingRoutes() {
        return table.anyNonBlocking();
    }

    /** The unknown-message route, or {@code null}. */
    public @Nullable Route unknown() {
        return table.unknown();
    }

    /** Every registered route, sorted by path. */
    public Collection<Route> routes() {
        return table.all();
    }

    /**
     * Sets what runs for every route registered from now on, before it is added; an exception
     * refuses the route. Not public: set once, by the root router's constructor, so that nobody can
     * replace the peer's {@code PostReg} plugins afterwards.
     */
    void onRegister(Consumer<Route> listener) {
        table.onRegister(Objects.requireNonNull(listener, "listener"));
    }

    void addFunction(String path, Class<?> bodyType, Route.Invoker invoker, Plugin[] plugins) {
        Objects.requireNonNull(bodyType, "bodyType");
        String full = RouteNames.join(prefix, path);
        table.add(new Route(full, bodyType, "function " + full, invoker).withPlugins(this.plugins.append(List.of(plugins))));
    }

    void setUnknownRoute(String name, Route.Invoker invoker, Plugin[] plugins) {
        table.setUnknown(new Route(name, null, name, invoker).withPlugins(this.plugins.append(List.of(plugins))));
    }
}
