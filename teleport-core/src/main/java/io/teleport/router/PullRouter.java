package io.teleport.router;

import io.teleport.plugin.Plugin;
import io.teleport.plugin.PluginChain;

import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The pull routes of a peer, or of a group of them under a common prefix.
 *
 * <pre>{@code
 * peer.pullRouter().group("group").register(new Home());   // /group/home/test, ...
 * peer.pullRouter().route("/math/add", int[].class, (nums, ctx) -> nums[0] + nums[1]);
 * }</pre>
 *
 * <p>Registration is meant for start-up; lookups are lock-free.
 */
public final class PullRouter extends Router<PullRouter> {

    /** An empty root router. */
    public PullRouter() {
        super(new RouteTable("pull"), "/", PluginChain.empty());
    }

    /**
     * An empty root router that runs {@code onRegister} for every route before it is added, such as
     * a peer's {@code PostReg} plugins; an exception refuses the route.
     */
    public PullRouter(Consumer<Route> onRegister) {
        this();
        onRegister(onRegister);
    }

    private PullRouter(RouteTable table, String prefix, PluginChain plugins) {
        super(table, prefix, plugins);
    }

    @Override
    PullRouter newGroup(RouteTable table, String prefix, PluginChain plugins) {
        return new PullRouter(table, prefix, plugins);
    }

    @Override
    Class<? extends MessageContext> contextType() {
        return UnknownPullContext.class;
    }

    /** Registers a function handler at {@code path}, inside this router's prefix. */
    public <T> String route(String path, Class<T> bodyType, PullHandler<T> handler, Plugin... plugins) {
        Objects.requireNonNull(handler, "handler");
        // int.class casts nothing, not even the Integer the codec gave: cast with the wrapper.
        @SuppressWarnings("unchecked")
        Class<T> boxed = (Class<T>) MethodType.methodType(Objects.requireNonNull(bodyType, "bodyType")).wrap().returnType();
        addFunction(path, bodyType, (body, ctx) -> handler.handle(boxed.cast(body), (PullContext) ctx), plugins);
        return RouteNames.join(prefix(), path);
    }

    /** Sets the handler of pulls to unregistered paths, for the whole peer. */
    public void setUnknown(UnknownPullHandler handler, Plugin... plugins) {
        Objects.requireNonNull(handler, "handler");
        setUnknownRoute("unknown_pull_handle", (body, ctx) -> handler.handle((UnknownPullContext) ctx), plugins);
    }
}
