package io.teleport.limits;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PreWriteReply;
import io.teleport.router.ExceptionMapper;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.Frames;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Pulls whose reply cannot be written as the pull asks: the puller hears back (an error, the URI left
 * out when it is what does not fit) instead of waiting for its timeout, and the peer's log gets a
 * line per interval, not per pull, since the remote decides how often.
 */
class UnbuildableReplyTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @RegisterExtension
    final LogCapture logs = LogCapture.of("io.teleport", Level.INFO);

    /** A v3 pull frame with the URI's bytes as given (Frames would write a Java string's UTF-8). */
    private static byte[] rawPull(long seq, byte[] uri, byte codec, byte[] body) {
        int size = 4 + 1 + 1 + 8 + 1 + 4 + uri.length + 4 + 1 + body.length;
        return ByteBuffer.allocate(size).putInt(size).put((byte) 'f').put((byte) 0).putLong(seq)
                .put(PacketType.PULL.code()).putInt(uri.length).put(uri).putInt(0).put(codec).put(body).array();
    }

    private int listen(Peer server) {
        return ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aPullInACodecThisPeerLacksIsRefusedBeforeItsHandlerAndLoggedOncePerInterval() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        AtomicInteger ran = new AtomicInteger();
        server.pullRouter().route("/time", Void.class, (body, ctx) -> {
            ran.incrementAndGet();
            return "12:00";
        });
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int seq = 1; seq <= 50; seq++) {
                s.getOutputStream().write(rawPull(seq, "/time".getBytes(), (byte) 'q', new byte[] {'x'}));
                Packet reply = Frames.read(in);
                assertThat(reply.seq()).isEqualTo(seq);
                Rerror error = Rerror.fromMeta(reply.meta());
                assertThat(error.code()).isEqualTo(Rerror.CODE_BAD_PACKET);
                assertThat(error.detail()).contains("unsupported codec id: 113");
            }
        }
        assertThat(ran).hasValue(0);
        assertThat(logs.events(Level.WARN)).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aBodilessPullInACodecThisPeerLacksRunsAndOnlyAReplyWithABodyFails() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        AtomicInteger ran = new AtomicInteger();
        server.pullRouter().route("/touch", Void.class, (body, ctx) -> {
            ran.incrementAndGet();
            return null;
        });
        server.pullRouter().route("/time", Void.class, (body, ctx) -> "12:00");
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            s.getOutputStream().write(rawPull(1, "/touch".getBytes(), (byte) 'q', new byte[0]));
            Packet ok = Frames.read(in);
            assertThat(ok.seq()).isEqualTo(1);
            assertThat(Rerror.fromMeta(ok.meta())).isNull();
            s.getOutputStream().write(rawPull(2, "/time".getBytes(), (byte) 'q', new byte[0]));
            Packet failed = Frames.read(in);
            assertThat(failed.seq()).isEqualTo(2);
            assertThat(Rerror.fromMeta(failed.meta()).code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        }
        assertThat(ran).hasValue(1);
    }

    /**
     * The caller chose the codec, and the route's value does not fit it: a 400 that names the codec, not a
     * bare 500 that reads as the server's fault (new-user trial 13); the handler's own choice stays a 500.
     */
    @Test
    void aValueTheRequestsCodecCannotWriteIsA400NamingTheCodecLoggedOncePerInterval() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        // An empty body in the string codec to a JSON-shaped route: the handler's record cannot be a string.
        record Item(String name) {
        }
        server.pullRouter().route("/item", Item.class, (body, ctx) -> new Item("apple"));
        server.pullRouter().route("/chosen", Item.class, (body, ctx) -> {
            ctx.replyBodyCodec(StringCodec.ID);
            return new Item("pear");
        });
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int seq = 1; seq <= 20; seq++) {
                s.getOutputStream().write(rawPull(seq, "/item".getBytes(), StringCodec.ID, new byte[0]));
                Packet reply = Frames.read(in);
                assertThat(reply.seq()).isEqualTo(seq);
                Rerror error = Rerror.fromMeta(reply.meta());
                assertThat(error.code()).isEqualTo(Rerror.CODE_BAD_PACKET);
                assertThat(error.detail()).isEqualTo("the reply cannot be encoded with the codec the pull was sent with"
                        + " (string): send it with another");
            }
            s.getOutputStream().write(rawPull(21, "/chosen".getBytes(), (byte) 'j', "{}".getBytes()));
            assertThat(Rerror.fromMeta(Frames.read(in).meta()).code()).as("the handler's codec: the server's fault")
                    .isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        }
        assertThat(logs.events(Level.WARN)).hasSize(1);
        assertThat(logs.warnings("replies that could not be built")).hasSize(1);
    }

    @Test
    void aReplyWhoseEchoedUriOutgrowsTheReadLimitIsAnsweredWithoutIt() throws Exception {
        // Invalid UTF-8 reads as U+FFFD: 15,000 bytes in, 45,000 out, past a 40 KiB limit.
        Peer server = peers.add(new Peer(PeerConfig.builder().readLimit(40 * 1024).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        byte[] uri = new byte[15_000];
        Arrays.fill(uri, (byte) 0xFF);
        uri[0] = '/';
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(rawPull(7, uri, StringCodec.ID, new byte[] {'x'}));
            Packet reply = Frames.read(new DataInputStream(s.getInputStream()));
            assertThat(reply.seq()).isEqualTo(7);
            assertThat(reply.uri()).isEmpty();
            assertThat(Rerror.fromMeta(reply.meta()).code()).isEqualTo(Rerror.CODE_NOT_FOUND);
        }
    }

    @Test
    void anErrorWhoseTextQuotesTheOversizeUriIsAnsweredWithAFixed500() throws Exception {
        // A control character makes the URI a parse error whose text quotes it whole (Go's wording):
        // the 400 outgrows the limit even without the URI, so a fixed 500 goes instead.
        Peer server = peers.add(new Peer(PeerConfig.builder().readLimit(40 * 1024).build()));
        byte[] uri = new byte[12_000];
        Arrays.fill(uri, (byte) 0xFF);
        uri[0] = '/';
        uri[1] = 0x01;
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(rawPull(9, uri, StringCodec.ID, new byte[] {'x'}));
            Packet reply = Frames.read(new DataInputStream(s.getInputStream()));
            assertThat(reply.seq()).isEqualTo(9);
            assertThat(reply.uri()).isEmpty();
            assertThat(Rerror.fromMeta(reply.meta()).code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        }
    }

    @Test
    void aBodyThatFitsOnlyWhenTheUriIsCountedInCharsIsA500NotSilence() throws Exception {
        int limit = 1 << 20;
        Peer server = peers.add(new Peer(PeerConfig.builder().readLimit(limit).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        byte[] uri = new byte[12_000];
        Arrays.fill(uri, (byte) 0xFF);
        System.arraycopy("/echo?".getBytes(), 0, uri, 0, 6);
        byte[] body = new byte[limit - 12_100];
        Arrays.fill(body, (byte) 'a');
        try (Socket s = new Socket("127.0.0.1", listen(server))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(rawPull(3, uri, StringCodec.ID, body));
            Packet reply = Frames.read(new DataInputStream(s.getInputStream()));
            assertThat(reply.seq()).isEqualTo(3);
            assertThat(Rerror.fromMeta(reply.meta()).code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
        }
    }

    @Test
    void aReplyOverTheReadLimitIsA500ThatSaysSo() {
        int limit = 64 * 1024;
        Peer server = peers.add(new Peer(PeerConfig.builder().readLimit(limit).build()));
        server.pullRouter().route("/big", Void.class, (body, ctx) -> {
            ctx.replyBodyCodec(StringCodec.ID);
            return new byte[limit + 10];
        });
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + listen(server));

        assertThatThrownBy(() -> session.pull("/big", null, byte[].class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR);
                    assertThat(e.rerror().detail()).startsWith("the reply could not be sent: ")
                            .contains("body of " + (limit + 10) + " bytes (limit: " + limit + ")");
                });
        assertThat(session.isHealthy()).isTrue();
    }

    @Test
    void aReplyTheFrameEncoderRefusesOnTheIoThreadIsA500() throws Exception {
        int limit = 64 * 1024;
        Peer server = peers.add(new Peer(PeerConfig.builder().readLimit(limit).build()));
        // Body and URI fit the sender's estimate; the frame's fixed fields take it past the limit.
        server.pullRouter().route("/big", Void.class, (body, ctx) -> {
            ctx.replyBodyCodec(StringCodec.ID);
            return new byte[limit - 8];
        });
        Peer client = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(10)).build()));
        Session session = client.dial("127.0.0.1:" + listen(server));

        assertThatThrownBy(() -> session.pull("/big", null, byte[].class))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror().code()).isEqualTo(Rerror.CODE_INTERNAL_ERROR));
        assertThat(session.isHealthy()).isTrue();
    }

    @Test
    void aPullWhoseErrorReplyCannotBeBuiltEitherStillGivesBackItsSlotAndBytes() {
        // Out of memory twice: outside the handler, then building the error reply (as when large replies
        // fill the heap). The pull goes unanswered, but its in-flight slot and bytes must come back.
        PostReadPullHeader failing = ctx -> {
            if (ctx.input().uri().startsWith("/evil")) {
                throw new OutOfMemoryError("test: reading");
            }
            return null;
        };
        PreWriteReply failingAgain = ctx -> {
            if (ctx.output().uri().startsWith("/evil")) {
                throw new OutOfMemoryError("test: replying");
            }
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxInflightPerSession(1).build())
                .build(), failing, failingAgain));
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        server.pullRouter().route("/evil", String.class, (b, ctx) -> b);
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + listen(server));

        assertThatThrownBy(() -> session.pull("/evil", "x", String.class, CallOptions.timeout(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(408));
        for (int i = 0; i < 3; i++) {
            assertThat(session.pull("/fast", "a", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                    .as("the one slot came back").isEqualTo("a!");
        }
        await().until(() -> server.stats().inboundBytes() == 0);
    }

    @Test
    void anAsynchronousHandlersReplyThatCannotBeBuiltIsAnsweredAndGivesBackItsSlotAndBytes() {
        // The reply is built where the handler's future completes, whose dependants nobody looks at: it
        // is answered as a bare 500 (the hook ran once), and the slot comes back.
        PreWriteReply failing = ctx -> {
            if (ctx.output().uri().startsWith("/evil")) {
                throw new OutOfMemoryError("test: replying");
            }
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxInflightPerSession(1).build())
                .build(), failing));
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        server.pullRouter().route("/evil", String.class, (b, ctx) -> java.util.concurrent.CompletableFuture.supplyAsync(() -> b));
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + listen(server));

        assertThatThrownBy(() -> session.pull("/evil", "x", String.class, CallOptions.timeout(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(session.pull("/fast", "a", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                .as("the one slot came back").isEqualTo("a!");
        await().until(() -> server.stats().inboundBytes() == 0);
    }

    /** Throws on the I/O thread, so that the peer's exception mappers run on another. */
    public static class Failing {
        @io.teleport.router.NonBlocking
        public String evil(String in) {
            throw new IllegalStateException("handler failed");
        }
    }

    @Test
    void anExceptionMapperThatThrowsAnErrorOffTheIoThreadStillAnswersThePull() {
        ExceptionMapper failing = (error, ctx) -> {
            throw new AssertionError("mapper failed");
        };
        Peer server = peers.add(Peer.builder().config(PeerConfig.builder()
                .limits(Limits.builder().maxInflightPerSession(1).build()).build()).exceptionMapper(failing).build());
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        server.pullRouter().register(new Failing());
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + listen(server));

        assertThatThrownBy(() -> session.pull("/failing/evil", "x", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(500));
        assertThat(session.pull("/fast", "a", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                .as("the one slot came back").isEqualTo("a!");
    }

    @Test
    void anExceptionMapperThatThrowsAnErrorOnAPushIsLoggedAndKillsNoThread() {
        java.util.List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> uncaught.add(error));
        try {
            ExceptionMapper failing = (error, ctx) -> {
                throw new AssertionError("mapper failed");
            };
            Peer server = peers.add(Peer.builder().config(PeerConfig.defaults()).exceptionMapper(failing).build());
            AtomicInteger fine = new AtomicInteger();
            server.pushRouter().route("/state", String.class, (b, ctx) -> {
                throw new IllegalStateException("handler failed");
            });
            server.pushRouter().route("/fine", String.class, (b, ctx) -> fine.incrementAndGet());
            server.pushRouter().register(new Failing());
            Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + listen(server));
            for (int i = 0; i < 3; i++) {
                session.push("/state", "x").join();
                session.push("/failing/evil", "x").join();
            }
            session.push("/fine", "y").join();
            await().until(() -> fine.get() == 1);
            // One line per handler: the one run on a handler thread, and the one whose mapper ran on the hook pool.
            await().until(() -> logs.warnings("exception mapper failed on push").size() == 2);
            assertThat(logs.warnings("exception mapper failed on push"))
                    .anySatisfy(line -> assertThat(line).contains("push /state from").contains("handler failed"))
                    .anySatisfy(line -> assertThat(line).contains("push /failing/evil from"));
            assertThat(uncaught).as("no thread died of the mapper's error").isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
