package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.plugin.PreReadHeader;
import io.teleport.session.Session;
import io.teleport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real pipeline (decoder, read gate, session handler, encoder) on an {@link EmbeddedChannel},
 * with handlers inline: every step is on the test's thread, so the order of events is exact.
 */
class PipelineEmbeddedTest {

    private final AtomicInteger headerHooks = new AtomicInteger();
    private final List<CompletableFuture<String>> held = new ArrayList<>();
    private final AtomicInteger handled = new AtomicInteger();
    private Peer peer;
    private EmbeddedChannel channel;

    private void start(Limits limits) {
        PreReadHeader counting = new PreReadHeader() {
            @Override
            public Rerror preReadHeader(Session session) {
                headerHooks.incrementAndGet();
                return null;
            }
        };
        peer = new Peer(PeerConfig.builder().handlerExecution(HandlerExecution.INLINE).limits(limits).build(), counting);
        peer.pullRouter().route("/echo", String.class, (b, ctx) -> {
            handled.incrementAndGet();
            return b + "!";
        });
        peer.pullRouter().route("/held", String.class, (b, ctx) -> {
            handled.incrementAndGet();
            CompletableFuture<String> f = new CompletableFuture<>();
            held.add(f);
            return f;
        });
        channel = new EmbeddedChannel();
        peer.serve(channel, null);
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        if (peer != null) {
            peer.shutdown(Duration.ofMillis(200));
        }
    }

    private static byte[] pull(long seq, String uri, String text) {
        return Frames.encode(new Packet(PacketType.PULL, seq, uri,
                new PreEncoded(("\"" + text + "\"").getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j'));
    }

    private List<Packet> replies() {
        channel.runPendingTasks();
        List<Packet> out = new ArrayList<>();
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null) {
            try {
                byte[] bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
                out.add(Frames.decode(bytes));
            } finally {
                frame.release();
            }
        }
        return out;
    }

    @Test
    void aFrameSplitIntoSingleBytesIsDecodedOnceWithOneHeaderHook() {
        start(Limits.defaults());
        byte[] frame = pull(7, "/echo", "x");
        for (byte b : frame) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        List<Packet> replies = replies();
        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).seq()).isEqualTo(7);
        assertThat(handled.get()).isEqualTo(1);
        assertThat(headerHooks.get()).as("one PreReadHeader per frame, not per read").isEqualTo(1);
        assertThat(peer.stats().inboundBytes()).isZero();
    }

    @Test
    void twoFramesInOneReadRunTheHeaderHookTwice() {
        start(Limits.defaults());
        ByteBuf both = Unpooled.wrappedBuffer(pull(1, "/echo", "a"), pull(2, "/echo", "b"));
        channel.writeInbound(both);
        assertThat(replies()).extracting(Packet::seq).containsExactly(1L, 2L);
        assertThat(headerHooks.get()).isEqualTo(2);
    }

    @Test
    void afterABadFrameNothingMoreIsDecodedAndTheConnectionCloses() {
        start(Limits.defaults());
        byte[] bad = {0, 0, 0, 12, 'x', 0, 0, 0, 0, 0, 0, 0};
        channel.writeInbound(Unpooled.wrappedBuffer(bad, pull(1, "/echo", "a")));
        channel.runPendingTasks();
        assertThat(channel.isActive()).isFalse();
        assertThat(handled.get()).isZero();
        assertThat(peer.stats().badFrames()).isEqualTo(1);
    }

    /**
     * A frame closed at the frame-read timeout while it waited for room in the budget says so: its sender
     * may not be slow at all (hostile round 17: 71 connections closed so were read as slow senders). The
     * wait counts here because no room was freed for as long as the timeout (see FrameClock).
     */
    @Test
    void aFrameTimedOutWhileItWaitedForRoomSaysSo() throws Exception {
        start(Limits.builder().maxInboundBytes(64 * 1024).frameReadTimeout(Duration.ofMillis(300)).build());
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.teleport");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            // Four held pulls of 10 KB, then the first 2 KB of a frame of 20 KB, which fit; its next 16 KB
            // do not fit in the seven eighths a frame still arriving may fill.
            for (int i = 1; i <= 4; i++) {
                channel.writeInbound(Unpooled.wrappedBuffer(pull(i, "/held", "h".repeat(10_000))));
            }
            byte[] next = pull(5, "/echo", "n".repeat(20_000));
            channel.writeInbound(Unpooled.wrappedBuffer(next, 0, 2_000));
            channel.writeInbound(Unpooled.wrappedBuffer(next, 2_000, 16_000));
            assertThat(peer.stats().pausedSessions()).as("no room for the rest of what arrived").isEqualTo(1);
            Thread.sleep(400);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
            assertThat(channel.isActive()).isFalse();
            synchronized (logged) {
                assertThat(logged.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                        .anyMatch(m -> m.contains("frame not complete within 300 ms of its first bytes, while it waited"
                                + " for room in the inbound budget"));
            }
        } finally {
            log.detachAppender(logged);
        }
    }

    @Test
    void atTheInflightLimitBufferedFramesWaitUndecodedUntilOneFinishes() {
        start(Limits.builder().maxInflightPerSession(1).build());
        channel.writeInbound(Unpooled.wrappedBuffer(pull(1, "/held", "a"), pull(2, "/held", "b")));
        channel.runPendingTasks();
        assertThat(handled.get()).as("the second frame is buffered, not decoded").isEqualTo(1);
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(peer.stats().pausedSessions()).isEqualTo(1);

        held.get(0).complete("A");
        assertThat(replies()).extracting(Packet::seq).containsExactly(1L);
        assertThat(handled.get()).as("decoding resumed without new bytes").isEqualTo(2);

        held.get(1).complete("B");
        assertThat(replies()).extracting(Packet::seq).containsExactly(2L);
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(peer.stats().pausedSessions()).isZero();
        assertThat(peer.stats().inboundBytes()).isZero();
    }

    /**
     * A read loop of sixteen 64 KiB reads ending in the first bytes of one more frame left the
     * cumulation at a megabyte while those bytes waited (hostile round 15: 300 connections held a
     * 256 MB server's direct memory); it is rebuilt at their size, and the frame still completes.
     */
    @Test
    void aBurstEndingInAPartialFrameLeavesOnlyThatFramesBytesHeld() {
        start(Limits.defaults());
        String body = "y".repeat(8 * 1024);
        ByteBuf stream = Unpooled.buffer();
        int frames = 0;
        while (stream.readableBytes() < 16 * 65536 - 9000) {
            stream.writeBytes(pull(++frames, "/echo", body));
        }
        byte[] last = pull(++frames, "/echo", "z".repeat(500));
        stream.writeBytes(last, 0, 100);
        List<ByteBuf> reads = new ArrayList<>();
        while (stream.isReadable()) {
            ByteBuf read = channel.alloc().directBuffer(65536);
            read.writeBytes(stream, Math.min(65536, stream.readableBytes()));
            reads.add(read);
        }
        stream.release();
        channel.writeInbound(reads.toArray());
        assertThat(replies()).hasSize(frames - 1);
        PacketDecoder decoder = channel.pipeline().get(PacketDecoder.class);
        assertThat(decoder.heldCapacity()).as("what a %d-byte burst left held", reads.size() * 65536)
                .isLessThanOrEqualTo(100 + HeldBytes.SLACK);

        channel.writeInbound(Unpooled.wrappedBuffer(last, 100, last.length - 100));
        assertThat(replies()).extracting(Packet::seq).containsExactly((long) frames);
        assertThat(decoder.heldCapacity()).isZero();
        assertThat(peer.stats().inboundBytes()).isZero();
    }

    @Test
    void manyFramesInOneReadAreDecodedATurnsShareAtATime() {
        start(Limits.defaults());
        int frames = 3 * PacketDecoder.TURN_WORK + 10;
        byte[][] all = new byte[frames][];
        for (int i = 0; i < frames; i++) {
            all[i] = pull(i + 1, "/echo", "x");
        }
        channel.writeInbound(Unpooled.wrappedBuffer(all));
        channel.runPendingTasks();

        // An embedded channel runs each next share as soon as it is queued; a real I/O thread runs it
        // after its turn, once the other connections had theirs. Reading stops for each.
        assertThat(peer.stats().readPauses()).as("reading stopped while shares were left").isPositive();
        assertThat(handled.get()).isEqualTo(frames);
        assertThat(replies()).hasSize(frames);
        assertThat(channel.config().isAutoRead()).as("read again once all are decoded").isTrue();
        assertThat(peer.stats().pausedSessions()).isZero();
        assertThat(peer.stats().inboundBytes()).isZero();
    }
}
