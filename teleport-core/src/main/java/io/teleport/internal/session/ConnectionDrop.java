package io.teleport.internal.session;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletableFuture;

/**
 * Closes a session's connection as if it had broken ({@link io.teleport.session.Session#dropConnection}):
 * its session is not closing, so a dialed one redials as after a network failure, and the calls that
 * end with the connection are told why.
 */
final class ConnectionDrop {

    private ConnectionDrop() {
    }

    static CompletableFuture<Void> drop(PeerContext peer, @Nullable Channel ch, String why) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        if (ch == null) {
            closed.complete(null);
            return closed;
        }
        CallErrors.closedBecause(ch, why);
        // Completed off the I/O thread, as the session's own futures are: a caller's callback may block.
        ch.close().addListener(f -> peer.runOnHookPool(() -> closed.complete(null)));
        return closed;
    }
}
