package io.teleport.internal.session;

import io.netty.util.HashedWheelTimer;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A session closed gracefully while busy drops its close deadline as soon as it has drained: the
 * deadline holds the connection and the session, and sessions closed in quick succession would
 * otherwise stay reachable for the whole timeout each.
 */
class CloseDeadlineTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aSessionThatDrainsBeforeItsDeadlineCancelsIt() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            started.countDown();
            release.await();
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        DefaultSession session = (DefaultSession) peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        HashedWheelTimer timer = (HashedWheelTimer) session.peer.timer;
        long before = timer.pendingTimeouts();
        CompletableFuture<String> pull = session.pullAsync("/slow", "x", String.class);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = session.close(Duration.ofMinutes(10));
        await().until(() -> timer.pendingTimeouts() > before);
        release.countDown();

        assertThat(pull).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("x");
        assertThat(closed).succeedsWithin(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> timer.pendingTimeouts() <= before);
    }
}
