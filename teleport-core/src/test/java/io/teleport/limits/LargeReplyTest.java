package io.teleport.limits;

import io.netty.buffer.ByteBuf;
import io.teleport.Peer;
import io.teleport.codec.Codec;
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

import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A large reply is read in its connection's order, before the frames after it, without needing a
 * handler thread, which may be the very one waiting for it, and without holding up the other
 * connections of its I/O thread while it decodes.
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

    /** Text whose large bodies, as they are decoded, wait until the test lets them go on. */
    static final class HeldText implements Codec {
        final CountDownLatch decoding = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);

        @Override
        public byte id() {
            return 'h';
        }

        @Override
        public String name() {
            return "held-text";
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            out.writeCharSequence((String) body, StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            if (bytes.length >= LARGE) {
                decoding.countDown();
                try {
                    goOn.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Test
    void aLargeReplyBeingDecodedHoldsUpNoOtherConnectionOfItsIoThread() throws Exception {
        Peer server = peers.add(Peer.builder().codec(new HeldText()).build());
        server.pullRouter().route("/text", String.class, (n, ctx) -> "x".repeat(Integer.parseInt(n)));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        HeldText codec = new HeldText();
        // One I/O thread for both sessions: decoding on it would hold up the other one's pull.
        Peer client = peers.add(Peer.builder().configure(c -> c.ioThreads(1)).codec(codec).build());
        Session large = client.dial("127.0.0.1:" + port);
        Session other = client.dial("127.0.0.1:" + port);
        try {
            CompletableFuture<String> reply = large.pullAsync("/text", String.valueOf(LARGE), String.class,
                    CallOptions.bodyCodec(codec.id()), CallOptions.timeout(Duration.ofSeconds(30)));
            assertThat(codec.decoding.await(10, TimeUnit.SECONDS)).as("the large reply is being decoded").isTrue();

            assertThat(other.pull("/text", "10", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                    .isEqualTo("x".repeat(10));
            assertThat(reply).isNotDone();

            codec.goOn.countDown();
            assertThat(reply.get(10, TimeUnit.SECONDS)).hasSize(LARGE);
        } finally {
            codec.goOn.countDown();
        }
    }

    @Test
    void aPushSentAfterALargeReplyWaitsForItsDecodingWhateverItTakes() throws Exception {
        PostWriteReply pushAfter = ctx -> {
            if (ctx.output().uri().startsWith("/text")) {
                ctx.session().push("/delta", "d1");
            }
            return null;
        };
        Peer server = peers.add(Peer.builder().plugin(pushAfter).codec(new HeldText()).build());
        server.pullRouter().route("/text", String.class, (n, ctx) -> "x".repeat(Integer.parseInt(n)));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        HeldText codec = new HeldText();
        List<String> events = new CopyOnWriteArrayList<>();
        Peer client = peers.add(Peer.builder().codec(codec).plugin(new ReadReplies(events)).build());
        client.pushRouter().route("/delta", String.class, (delta, ctx) -> events.add("delta"));
        Session session = client.dial("127.0.0.1:" + port);
        try {
            CompletableFuture<String> reply = session.pullAsync("/text", String.valueOf(LARGE), String.class,
                    CallOptions.bodyCodec(codec.id()), CallOptions.timeout(Duration.ofSeconds(30)));
            assertThat(codec.decoding.await(10, TimeUnit.SECONDS)).isTrue();
            // The push has long arrived; it must wait for the reply before it.
            Thread.sleep(300);
            assertThat(events).isEmpty();

            codec.goOn.countDown();
            assertThat(reply.get(10, TimeUnit.SECONDS)).hasSize(LARGE);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
            assertThat(events).containsExactly("snapshot", "delta");
        } finally {
            codec.goOn.countDown();
        }
    }
}
