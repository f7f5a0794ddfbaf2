package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.teleport.Peer;
import io.teleport.codec.Codec;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Type;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A body marshalled on the sending thread lives in a buffer of the channel's allocator until its
 * frame is written; every way a message ends (written, refused on the sender, never sent because the
 * connection did not come back, timed out while waiting for it) gives that buffer back.
 */
class MarshalledBodyReleaseTest {

    private final List<Peer> peers = new ArrayList<>();
    /** Every buffer the codec was asked to write a body into. */
    private final Queue<ByteBuf> bodies = new ConcurrentLinkedQueue<>();
    /** The threads that marshalled them. */
    private final Queue<String> threads = new ConcurrentLinkedQueue<>();

    /** Strings, like the string codec, under an id of its own; remembers the buffers it wrote. */
    private final class RecordingCodec implements Codec {
        static final byte ID = 'r';

        @Override
        public byte id() {
            return ID;
        }

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            bodies.add(out);
            threads.add(Thread.currentThread().getName());
            out.writeCharSequence(body.toString(), StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = Peer.builder().config(config).codec(new RecordingCodec()).build();
        peers.add(peer);
        return peer;
    }

    private Peer echoServer() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        return server;
    }

    private Session dial(Peer server, PeerConfig clientConfig) {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peer(clientConfig).dial("127.0.0.1:" + port);
    }

    private void assertAllReleased(int atLeast) {
        assertThat(bodies).hasSizeGreaterThanOrEqualTo(atLeast);
        await().untilAsserted(() -> assertThat(bodies).allSatisfy(b -> assertThat(b.refCnt()).isZero()));
    }

    private static CallOption recording() {
        return CallOptions.bodyCodec(RecordingCodec.ID);
    }

    @Test
    void writtenBodiesGoBackOnBothSides() {
        Session session = dial(echoServer(), PeerConfig.defaults());

        for (int i = 0; i < 20; i++) {
            assertThat(session.pull("/echo", "hello " + i, String.class, recording())).isEqualTo("hello " + i);
        }

        // Requests marshalled on this thread, replies on the server's handler threads: never an I/O thread.
        assertThat(threads).contains(Thread.currentThread().getName())
                .anySatisfy(t -> assertThat(t).startsWith("teleport-handler"))
                .noneSatisfy(t -> assertThat(t).startsWith("teleport-io"));
        assertAllReleased(40);
    }

    @Test
    void aBodyOverTheLimitIsRefusedOnTheSenderAndGoesBack() {
        Session session = dial(echoServer(), PeerConfig.builder().readLimit(1024).build());

        assertThatThrownBy(() -> session.pull("/echo", "x".repeat(4096), String.class, recording()))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        assertAllReleased(1);
        // The session is unharmed.
        assertThat(session.pull("/echo", "after", String.class, recording())).isEqualTo("after");
    }

    @Test
    void aBodyWaitingForARedialThatFailsGoesBack() {
        Peer server = echoServer();
        Session session = dial(server, PeerConfig.builder().redialTimes(2).redialInterval(Duration.ofMillis(300)).build());
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());

        assertThatThrownBy(() -> session.pull("/echo", "lost", String.class, recording(),
                CallOptions.timeout(Duration.ofSeconds(10))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        assertAllReleased(1);
    }

    @Test
    void aBodyWhoseTimeoutPassesWhileRedialingGoesBack() {
        Peer server = echoServer();
        Session session = dial(server, PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(100)).build());
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());

        assertThatThrownBy(() -> session.pull("/echo", "late", String.class, recording(),
                CallOptions.timeout(Duration.ofMillis(300))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(104));
        // Given back, and no longer counted against the session's outbound limit, while the redial
        // goes on: with endless redials, frames of pulls that gave up would otherwise fill it.
        assertAllReleased(1);
        assertThat(session.outboundBytes()).isZero();
        assertThat(session.isHealthy()).isFalse();
        session.close();
    }

    @Test
    void aBodyLoggedWithoutALimitIsWrittenAndGoesBack() {
        // The message log keeps a copy of the body's start; a limit of Integer.MAX_VALUE means all of it.
        PeerConfig logged = PeerConfig.builder().printBody(true).countTime(true).slowCometDuration(Duration.ofSeconds(5))
                .limits(Limits.builder().printBodyLimit(Integer.MAX_VALUE).build()).build();
        Session session = dial(echoServer(), logged);

        assertThat(session.pull("/echo", "hello", String.class, recording())).isEqualTo("hello");
        assertAllReleased(1);
    }

    @Test
    void aPullWhoseTimeoutTheTimerRefusesIsNotSentAndItsBodyGoesBack() throws Exception {
        Peer server = echoServer();
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            Thread.sleep(300);
            return body;
        });
        // An application's timer that holds one pending timeout at most.
        HashedWheelTimer timer = new HashedWheelTimer(new DefaultThreadFactory("bounded-timer", true),
                10, TimeUnit.MILLISECONDS, 64, false, 1);
        try {
            Peer client = Peer.builder().config(PeerConfig.defaults()).codec(new RecordingCodec()).timer(timer).build();
            peers.add(client);
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            Session session = client.dial("127.0.0.1:" + port);
            CompletableFuture<String> first = session.pullAsync("/slow", "first", String.class);

            // A session's pulls share one timeout: only a deadline earlier than the armed one asks the
            // timer for another.
            assertThatThrownBy(() -> session.pull("/echo", "refused", String.class, recording(),
                    CallOptions.timeout(Duration.ofSeconds(1))))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
                        assertThat(e.rerror().detail()).contains("timer refused");
                    });
            assertAllReleased(1);
            assertThat(session.pendingPulls()).isOne();
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("first");
        } finally {
            timer.stop();
        }
    }
}
