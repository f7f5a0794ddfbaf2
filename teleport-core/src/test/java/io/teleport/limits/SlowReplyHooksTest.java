package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadReplyBody;
import io.teleport.plugin.ReadContext;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replies whose hooks may block wait for them off the I/O thread; the other side chooses how large
 * they are, so while they wait they hold their bytes in the inbound budget: reading stops when it is
 * full instead of piling replies up in memory.
 */
class SlowReplyHooksTest {

    private static final int REPLY_BYTES = 1024 * 1024;

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** A reply hook that blocks until released, counting the replies it has seen. */
    static final class SlowHook implements PostReadReplyBody {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger seen = new AtomicInteger();

        @Override
        public @Nullable Rerror postReadReplyBody(ReadContext ctx) {
            seen.incrementAndGet();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    @Test
    void aReplyThatOvertakesItsPullsPostWritePullHooksHoldsItsBytesUntilItIsRead() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/big", String.class, (b, ctx) -> "x".repeat(REPLY_BYTES));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        CountDownLatch release = new CountDownLatch(1);
        io.teleport.plugin.PostWritePull slowAfterWrite = ctx -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        Peer client = peers.add(new Peer(PeerConfig.defaults(), slowAfterWrite));
        Session session = client.dial("127.0.0.1:" + port);

        CompletableFuture<String> pull = session.pullAsync("/big", "", String.class, CallOptions.timeout(Duration.ofSeconds(30)));
        // The reply is back while the pull's own hook still runs: kept for after it, and counted.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inboundBytes() >= REPLY_BYTES);
        Thread.sleep(200);
        assertThat(pull).isNotDone();
        assertThat(client.stats().inboundBytes()).as("held while kept").isGreaterThanOrEqualTo(REPLY_BYTES);
        release.countDown();
        assertThat(pull.get(10, TimeUnit.SECONDS)).hasSize(REPLY_BYTES);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inboundBytes() == 0);
    }

    @Test
    void repliesWaitingForBlockingHooksHoldTheirBytesInTheInboundBudget() throws Exception {
        // The server lets replies to a client that stops reading queue up (its own bound would close it).
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder()
                .maxOutboundBytesPerSession(64L * REPLY_BYTES).maxOutboundBytes(64L * REPLY_BYTES).build()).build()));
        server.pullRouter().route("/big", Integer.class, (n, ctx) -> "x".repeat(REPLY_BYTES));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        SlowHook hook = new SlowHook();
        Limits limits = Limits.builder().maxInboundBytes(4L * REPLY_BYTES).build();
        Peer client = peers.add(Peer.builder().config(PeerConfig.builder().limits(limits).build()).plugin(hook).build());
        Session session = client.dial("127.0.0.1:" + port);
        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pulls.add(session.pullAsync("/big", i, String.class, CallOptions.timeout(Duration.ofSeconds(30))));
        }
        await().until(() -> client.stats().pausedSessions() == 1);
        Thread.sleep(300);
        // Held while their hooks wait: at most the budget, and the frame let past it.
        assertThat(client.stats().inboundBytes()).isBetween((long) REPLY_BYTES, 6L * REPLY_BYTES);
        assertThat(client.stats().pausedSessions()).as("the connection waits for room").isEqualTo(1);
        assertThat(hook.seen.get()).as("replies read while the hooks wait").isLessThanOrEqualTo(6);

        hook.release.countDown();
        for (CompletableFuture<String> pull : pulls) {
            assertThat(pull.get(30, TimeUnit.SECONDS)).hasSize(REPLY_BYTES);
        }
        assertThat(hook.seen.get()).isEqualTo(20);
        await().until(() -> client.stats().inboundBytes() == 0);
    }
}
