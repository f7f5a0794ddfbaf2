package io.teleport.limits;

import io.netty.channel.Channel;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broadcast passes by a session whose connection closed, its close not yet handled, without counting
 * it as a slow reader: sessions of a client shutting down were logged as "outbound bytes of a session at
 * the limit ... skipped" (new-user trial 12).
 */
class BroadcastToClosingSessionTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aSessionWhoseConnectionJustClosedIsPassedByUncounted() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        Session accepted = await().until(() -> server.sessions().stream().findFirst().orElse(null), s -> s != null);
        Channel ch = ((DefaultSession) accepted).channel();

        // On the session's own I/O thread: the broadcast's turn is queued before the close's handling.
        CompletableFuture<Integer> reached = ch.eventLoop().submit(() -> {
            CompletableFuture<Integer> f = server.pushAll("/note", "hi", s -> true);
            ch.close();
            return f;
        }).get(5, TimeUnit.SECONDS);
        assertThat(reached.get(5, TimeUnit.SECONDS)).isZero();
        assertThat(server.stats().broadcastSkipped()).as("not a slow reader").isZero();
    }
}
