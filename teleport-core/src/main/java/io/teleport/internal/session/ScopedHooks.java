package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.plugin.AroundHandler;
import io.teleport.plugin.Hook;
import io.teleport.plugin.PluginChain;
import io.teleport.plugin.ReadContext;
import io.teleport.router.Route;
import org.jspecify.annotations.Nullable;

/**
 * The handler-scoped hooks of an inbound message: the peer's plugins first, then its route's (the
 * route's groups', then its own).
 */
final class ScopedHooks {

    private ScopedHooks() {
    }

    /** Runs {@code hook}: the peer's plugins, then the route's, if the message has one yet. */
    static <C> @Nullable Rerror run(PluginChain peer, @Nullable Route route, Hook<?, C> hook, C context) {
        Rerror rerror = peer.run(hook, context);
        if (rerror == null && route != null && !route.plugins().isEmpty()) {
            rerror = route.plugins().run(hook, context);
        }
        return rerror;
    }

    /** Whether a plugin of the peer's or of the route's has {@code hook}. */
    static boolean has(PluginChain peer, @Nullable Route route, Hook<?, ?> hook) {
        return peer.has(hook) || (route != null && route.plugins().has(hook));
    }

    /** Whether a plugin of the peer's or of the route's may block in {@code hook}. */
    static boolean blocks(PluginChain peer, @Nullable Route route, Hook<?, ?> hook) {
        return peer.blocks(hook) || (route != null && route.plugins().blocks(hook));
    }

    /** Opens the {@link AroundHandler} scopes of the peer's plugins, then of the route's; closed in reverse. */
    static AroundHandler.Scope open(PluginChain peer, Route route, ReadContext ctx) {
        AroundHandler.Scope peerScopes = peer.openHandlerScopes(ctx);
        AroundHandler.Scope routeScopes = route.plugins().openHandlerScopes(ctx);
        if (routeScopes == AroundHandler.Scope.NONE) {
            return peerScopes;
        }
        if (peerScopes == AroundHandler.Scope.NONE) {
            return routeScopes;
        }
        return () -> {
            try {
                routeScopes.close();
            } finally {
                peerScopes.close();
            }
        };
    }
}
