package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
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
 * A handler's reply goes back on the connection its pull came in on: after a redial, the other side's
 * new session never made that pull, and gets nothing for it.
 */
class ReplyAfterRedialTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture replies = LogCapture.of("io.teleport.internal.transport.SessionHandler", Level.DEBUG);

    @Test
    void aReplyToAPullOfABrokenConnectionIsNotWrittenOnTheRedialedOne() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20)).build()));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> replied = new CompletableFuture<>();
        client.pullRouter().route("/slow", String.class, (body, ctx) -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            replied.complete(null);
            return "late";
        });
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        Session first = server.sessions().iterator().next();
        CompletableFuture<String> pull = first.pullAsync("/slow", "", String.class);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        // The connection breaks; the client redials, a new session on the server.
        ((io.teleport.internal.session.DefaultSession) first).channel().close();
        assertThat(pull).failsWithin(Duration.ofSeconds(5));
        await().until(() -> session.isHealthy() && server.sessionCount() == 1
                && server.sessions().iterator().next() != first);
        release.countDown();
        assertThat(replied).succeedsWithin(Duration.ofSeconds(5));

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> replies.lines("late reply").isEmpty());
        assertThat(server.stats().badFrames()).isZero();
    }
}
