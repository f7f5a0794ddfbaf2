package io.teleport.internal.transport;

import io.netty.util.concurrent.EventExecutor;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.PeerContext;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import io.teleport.transport.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A dial to a host name looks the name up off the I/O threads and off an asynchronous caller's, then connects. */
class RedialLookupTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer peer(PeerConfig config) {
        return peers.add(new Peer(config));
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

    @Test
    void anAsynchronousDialToAHostNameReturnsBeforeTheLookupEnds() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/hello", String.class, (body, ctx) -> "hi");
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(PeerConfig.defaults());
        PeerContext context = ((DefaultSession) client.dial("127.0.0.1:" + port)).peer;
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> lookups = new CopyOnWriteArrayList<>();
        BiFunction<Network, String, SocketAddress> real = context.resolver;
        context.resolver = (network, address) -> {
            lookups.add(Thread.currentThread());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return real.apply(network, address.replace("slow-name.example", "127.0.0.1"));
        };

        // A slow name service: the caller gets its future at once, not after the lookup.
        CompletableFuture<Session> dialing = CompletableFuture
                .supplyAsync(() -> client.dialAsync("slow-name.example:" + port, null))
                .get(5, TimeUnit.SECONDS);
        assertThat(dialing).isNotDone();
        release.countDown();
        assertThat(dialing).succeedsWithin(Duration.ofSeconds(5))
                .satisfies(s -> assertThat(s.pull("/hello", "", String.class)).isEqualTo("hi"));
        assertThat(lookups).singleElement().satisfies(t -> assertThat(t.getName()).startsWith("teleport-lookup"));
    }

    @Test
    void aLookupThatFailsUnexpectedlyEndsTheDialWith105() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(PeerConfig.defaults());
        PeerContext context = ((DefaultSession) client.dial("127.0.0.1:" + port)).peer;
        context.resolver = (network, address) -> {
            throw new SecurityException("no name lookups here");
        };
        assertThat(client.dialAsync("some-name.example:" + port, null)).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(io.teleport.message.RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(105);
                    assertThat(e.rerror().detail()).contains("no name lookups here");
                });
    }
}
