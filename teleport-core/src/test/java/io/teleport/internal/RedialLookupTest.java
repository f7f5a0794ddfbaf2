package io.teleport.internal;

import io.netty.util.concurrent.EventExecutor;
import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.session.Session;
import io.teleport.transport.Network;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A redial to a host name looks the name up off the I/O threads, then connects. */
class RedialLookupTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    @Test
    void aRedialToAHostNameNeverLooksItUpOnAnIoThread() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/hello", String.class, (body, ctx) -> "hi");
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        // tcp4: "localhost" then means 127.0.0.1, where the server listens, whatever the resolver's order.
        Peer client = peer(PeerConfig.builder().network("tcp4").redialTimes(-1)
                .redialInterval(Duration.ofMillis(20)).redialMaxInterval(Duration.ofMillis(100)).build());
        Session session = client.dial("localhost:" + port);
        PeerContext context = ((DefaultSession) session).peer;
        List<Thread> lookups = new CopyOnWriteArrayList<>();
        BiFunction<Network, String, SocketAddress> real = context.resolver;
        context.resolver = (network, address) -> {
            lookups.add(Thread.currentThread());
            return real.apply(network, address);
        };

        await().until(() -> server.sessionCount() == 1);
        ((DefaultSession) server.sessions().iterator().next()).channel().close();
        await().until(() -> !lookups.isEmpty() && session.isHealthy());

        for (Thread lookup : lookups) {
            for (EventExecutor loop : context.group) {
                assertThat(loop.inEventLoop(lookup)).as("looked up on %s", lookup.getName()).isFalse();
            }
        }
        assertThat(session.pull("/hello", "", String.class)).as("the redial went on to connect").isEqualTo("hi");
    }
}
