package io.teleport.session;

import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostWriteReply;
import io.teleport.testing.PullFailures;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A reply that cannot be built (here: reply metadata over the read limit) is answered with a bare
 * 500 at once rather than left to the caller's timeout, and PostWriteReply still runs once, so
 * plugins that pair it with PostReadPullHeader (timers, observations) never keep a message open.
 */
class UnencodableReplyTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aReplyWhoseMetadataDoesNotFitIsABare500AndItsHooksStillRun() {
        AtomicInteger afterReply = new AtomicInteger();
        Peer server = peers.add(Peer.builder().configure(c -> c.readLimit(4096))
                .plugin((PostWriteReply) ctx -> {
                    afterReply.incrementAndGet();
                    return null;
                }).build());
        server.pullRouter().route("/big", String.class, (body, ctx) -> {
            ctx.replyMeta().set("X-Huge", "x".repeat(8192));
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(Peer.builder().configure(c -> c.pullTimeout(Duration.ofSeconds(20))).build())
                .dial("127.0.0.1:" + port);

        long start = System.nanoTime();
        Rerror error = PullFailures.of(session, "/big", "x");
        assertThat(error.code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered, not timed out").isLessThan(Duration.ofSeconds(10));
        await().until(() -> afterReply.get() == 1);
    }
}
