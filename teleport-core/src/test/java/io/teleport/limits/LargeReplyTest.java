package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadReplyBody;
import io.teleport.plugin.PostWriteReply;
import io.teleport.plugin.ReadContext;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A large reply is read where a small one is: in its connection's order, before the frames after it,
 * and without needing a handler thread, which may be the very one waiting for it.
 */
class LargeReplyTest {

    private static final int LARGE = 512 * 1024;

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** Notes each reply read, where it is read (a hook that never blocks runs right there). */
    static final class ReadReplies implements PostReadReplyBody {
        final List<String> events;

        ReadReplies(List<String> events) {
            this.events = events;
        }

        @Override
        public @Nullable Rerror postReadReplyBody(ReadContext ctx) {
            events.add("snapshot");
            return null;
        }

        @Override
        public boolean nonBlocking() {
            return true;
        }
    }

    @Test
    void aLargeReplyIsReadBeforeAPushSentAfterItIsHandled() {
        // The server pushes right after the reply is written: on the wire, the push follows the reply.
        PostWriteReply pushAfter = ctx -> {
            if (ctx.output().uri().startsWith("/snapshot")) {
                ctx.session().push("/delta", "d1");
            }
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), pushAfter));
        server.pullRouter().route("/snapshot", Integer.class, (n, ctx) -> Map.of("text", "x".repeat(n)));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        List<String> events = new CopyOnWriteArrayList<>();
        Peer client = peers.add(new Peer(PeerConfig.defaults(), new ReadReplies(events)));
        client.pushRouter().route("/delta", String.class, (delta, ctx) -> events.add("delta"));
        Session session = client.dial("127.0.0.1:" + port);

        for (int i = 0; i < 5; i++) {
            events.clear();
            assertThat(session.pull("/snapshot", LARGE, Map.class)).isNotNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
            assertThat(events).as("round %d", i).containsExactly("snapshot", "delta");
        }
    }

    @Test
    void aHandlerWaitingForALargeReplyDoesNotNeedAHandlerThreadToReadIt() {
        Peer backend = peers.add(new Peer(PeerConfig.defaults()));
        backend.pullRouter().route("/text", Integer.class, (n, ctx) -> Map.of("text", "x".repeat(n)));
        int backendPort = ((InetSocketAddress) backend.listen("127.0.0.1:0", null)).getPort();
        // One handler thread, and it waits for the backend's large reply: read on that pool, the reply
        // would wait for the very thread that waits for it.
        Peer mid = peers.add(new Peer(PeerConfig.builder().handlerThreads(1).build()));
        Session toBackend = mid.dial("127.0.0.1:" + backendPort);
        mid.pullRouter().route("/mid", Integer.class, (n, ctx) -> ((String) toBackend.pull("/text", n, Map.class,
                CallOptions.timeout(Duration.ofSeconds(20))).get("text")).length());
        int midPort = ((InetSocketAddress) mid.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + midPort);

        long start = System.nanoTime();
        assertThat(client.pull("/mid", LARGE, Integer.class, CallOptions.timeout(Duration.ofSeconds(30))))
                .isEqualTo(LARGE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not at the backend pull's timeout")
                .isLessThan(Duration.ofSeconds(15));
    }
}
