package io.teleport.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The push routes of a peer, or of a group of them under a common prefix.
 *
 * <pre>{@code
 * peer.pushRouter().register(new Push());                    // /push/test, ...
 * peer.pushRouter().route("/chat/say", String.class, (text, ctx) -> System.out.println(text));
 * }</pre>
 *
 * <p>Registration is meant for start-up; lookups are lock-free.
 */
public final class PushRouter {

    private final RouteTable table;
    private final String prefix;

    /** An empty root router. */
    public PushRouter() {
        this(new RouteTable("push"), "/");
    }

    private PushRouter(RouteTable table, String prefix) {
        this.table = table;
        this.prefix = prefix;
    }

    /** A group whose routes are registered under {@code prefix}, inside this router's prefix. */
    public PushRouter group(String prefix) {
        return new PushRouter(table, RouteNames.join(this.prefix, prefix));
    }

    /** This router's prefix; {@code /} for the root. */
    public String prefix() {
        return prefix;
    }

    /**
     * Registers every public method of {@code controller} as a route named
     * {@code <prefix>/<snake class name>/<snake method name>}.
     *
     * @return the registered paths
     * @throws IllegalArgumentException for a method that cannot be a handler
     * @throws IllegalStateException for a path already registered
     */
    public List<String> register(Object controller) {
        Objects.requireNonNull(controller, "controller");
        return addAll(ControllerRoutes.of(controller, prefix, UnknownPushContext.class));
    }

    /** Registers a function handler at {@code path}, inside this router's prefix. */
    public <T> String route(String path, Class<T> bodyType, PushHandler<T> handler) {
        Objects.requireNonNull(bodyType, "bodyType");
        Objects.requireNonNull(handler, "handler");
        String full = RouteNames.join(prefix, path);
        table.add(new Route(full, bodyType, "function " + full, (body, ctx) -> {
            handler.handle(bodyType.cast(body), (PushContext) ctx);
            return null;
        }));
        return full;
    }

    /** Registers a prepared route as is; for integrations that resolve handler methods themselves. */
    public String route(Route route) {
        table.add(Objects.requireNonNull(route, "route"));
        return route.path();
    }

    /** Sets the handler of pushes to unregistered paths, for every group of this peer. */
    public void setUnknown(UnknownPushHandler handler) {
        Objects.requireNonNull(handler, "handler");
        table.setUnknown(new Route("unknown_push_handle", null, "unknown_push_handle",
                (body, ctx) -> {
                    handler.handle((UnknownPushContext) ctx);
                    return null;
                }));
    }

    /** The route registered at exactly this path, or {@code null}. */
    public Route lookup(String path) {
        return table.get(path);
    }

    /** The unknown-push route, or {@code null}. */
    public Route unknown() {
        return table.unknown();
    }

    /** Every registered route, sorted by path. */
    public Collection<Route> routes() {
        return table.all();
    }

    private List<String> addAll(List<Route> routes) {
        List<String> paths = new ArrayList<>(routes.size());
        for (Route route : routes) {
            table.add(route);
            paths.add(route.path());
        }
        return paths;
    }
}
