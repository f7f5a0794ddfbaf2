package io.teleport.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A connection dropped as if broken: a dialed session redials, an accepted one closes, and calls are told why. */
class DropConnectionTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aDialedSessionRedialsAndItsWaitingCallsAreToldWhy() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch never = new CountDownLatch(1);
        server.pullRouter().route("/hang", String.class, (b, ctx) -> {
            never.await(20, TimeUnit.SECONDS);
            return b;
        });
        server.pullRouter().route("/echo", String.class, (b, ctx) -> b);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.builder().redialTimes(-1)
                .redialInterval(Duration.ofMillis(50)).build())).dial("127.0.0.1:" + port);
        CompletableFuture<String> waiting = session.pullAsync("/hang", "x", String.class,
                CallOptions.timeout(Duration.ofSeconds(20)));
        Thread.sleep(100);

        session.dropConnection("the test judged it dead").get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(102);
                    assertThat(e.getMessage()).contains("the test judged it dead");
                });
        assertThat(session.closeFuture()).isNotDone();
        assertThat(session.pull("/echo", "again", String.class, CallOptions.timeout(Duration.ofSeconds(10))))
                .as("redialed").isEqualTo("again");
        never.countDown();
    }

    @Test
    void anAcceptedSessionCloses() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        Session accepted = server.sessions().iterator().next();

        accepted.dropConnection("dead").get(10, TimeUnit.SECONDS);
        accepted.closeFuture().get(10, TimeUnit.SECONDS);
        client.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(server.sessionCount()).isZero();
    }
}
