package io.teleport.internal.session;

import io.teleport.message.PacketType;
import io.teleport.plugin.Hook;
import io.teleport.plugin.PluginChain;
import io.teleport.router.Route;
import io.teleport.router.Router;

/**
 * Which inbound messages run on their connection's I/O thread although handlers run on an executor:
 * those for a {@link io.teleport.router.NonBlocking} route that no plugin on their way may block,
 * nor one that sees a pull or push the handler sends.
 * Such a message starts on the I/O thread when its router has such routes and the header hook never
 * blocks; it reads its header there (the hook may reroute it) and stays only if its route is one.
 */
final class IoThreadRoutes {

    private IoThreadRoutes() {
    }

    /** Whether a message of {@code type} starts on the I/O thread: it might stay there. */
    static boolean mayStart(PeerContext peer, PacketType type) {
        if (peer.inline) {
            return false;
        }
        boolean pull = type == PacketType.PULL;
        Router<?> router = pull ? peer.pullRouter : peer.pushRouter;
        return router.hasNonBlockingRoutes()
                && !peer.plugins.blocks(pull ? Hook.POST_READ_PULL_HEADER : Hook.POST_READ_PUSH_HEADER);
    }

    /** With its header read: whether the rest of the message runs on the I/O thread too. */
    static boolean stays(PeerContext peer, Route route, PacketType type) {
        return route.isNonBlocking() && !mayBlock(peer.plugins, type) && !mayBlock(route.plugins(), type)
                && !sendingMayBlock(peer.plugins);
    }

    /**
     * Whether a pull or push the handler sends may block in its {@code PreWrite} hooks, which run on
     * the sending thread: a handler may send, and that cannot be known before it runs.
     */
    private static boolean sendingMayBlock(PluginChain plugins) {
        return plugins.blocks(Hook.PRE_WRITE_PULL) || plugins.blocks(Hook.PRE_WRITE_PUSH);
    }

    /** Whether a plugin of {@code plugins} that sees the rest of the message (after its header) may block. */
    private static boolean mayBlock(PluginChain plugins, PacketType type) {
        if (plugins.aroundBlocks()) {
            return true;
        }
        if (type == PacketType.PULL) {
            return plugins.blocks(Hook.PRE_READ_PULL_BODY) || plugins.blocks(Hook.POST_READ_PULL_BODY)
                    || plugins.blocks(Hook.PRE_WRITE_REPLY);
        }
        return plugins.blocks(Hook.PRE_READ_PUSH_BODY) || plugins.blocks(Hook.POST_READ_PUSH_BODY);
    }
}
