package io.teleport.router;

import io.teleport.plugin.Plugin;
import io.teleport.plugin.PluginChain;

import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.function.Consumer;

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
public final class PushRouter extends Router<PushRouter> {

    /** An empty root router. */
    public PushRouter() {
        super(new RouteTable("push"), "/", PluginChain.empty());
    }

    /**
     * An empty root router that runs {@code onRegister} for every route before it is added, such as
     * a peer's {@code PostReg} plugins; an exception refuses the route.
     */
    public PushRouter(Consumer<Route> onRegister) {
        this();
        onRegister(onRegister);
    }

    private PushRouter(RouteTable table, String prefix, PluginChain plugins) {
        super(table, prefix, plugins);
    }

    @Override
    PushRouter newGroup(RouteTable table, String prefix, PluginChain plugins) {
        return new PushRouter(table, prefix, plugins);
    }

    @Override
    Class<? extends MessageContext> contextType() {
        return UnknownPushContext.class;
    }

    /** Registers a function handler at {@code path}, inside this router's prefix. */
    public <T> String route(String path, Class<T> bodyType, PushHandler<T> handler, Plugin... plugins) {
        Objects.requireNonNull(handler, "handler");
        // int.class casts nothing, not even the Integer the codec gave: cast with the wrapper.
        @SuppressWarnings("unchecked")
        Class<T> boxed = (Class<T>) MethodType.methodType(Objects.requireNonNull(bodyType, "bodyType")).wrap().returnType();
        addFunction(path, bodyType, (body, ctx) -> {
            handler.handle(boxed.cast(body), (PushContext) ctx);
            return null;
        }, plugins);
        return RouteNames.join(prefix(), path);
    }

    /** Sets the handler of pushes to unregistered paths, for the whole peer. */
    public void setUnknown(UnknownPushHandler handler, Plugin... plugins) {
        Objects.requireNonNull(handler, "handler");
        setUnknownRoute("unknown_push_handle", (body, ctx) -> {
            handler.handle((UnknownPushContext) ctx);
            return null;
        }, plugins);
    }
}
