package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.codec.Codecs;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.proto.ProtoContext;
import io.teleport.testing.Frames;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What large frames cost in memory besides what the inbound budget counts: a connection the budget
 * paused is not read any further, and a large frame arriving in parts is held where the budget
 * counts it, not in a decoder buffer of direct memory that grows by the allocator's steps.
 */
class LargeFrameMemoryTest {

    private final List<Peer> peers = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private int listen(PeerConfig config, Peer[] out) {
        Peer peer = new Peer(config);
        peers.add(peer);
        out[0] = peer;
        return ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
    }

    private Socket raw(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        sockets.add(s);
        return s;
    }

    private static byte[] pull(long seq, String uri, int bodyBytes) {
        byte[] body = ("\"" + "x".repeat(bodyBytes) + "\"").getBytes(StandardCharsets.UTF_8);
        return Frames.encode(new Packet(PacketType.PULL, seq, uri, new io.teleport.codec.PreEncoded(body))
                .bodyCodec((byte) 'j'), new ProtoContext(Codecs.defaults(), XferFilters.defaults(), PeerConfig.DEFAULT_READ_LIMIT));
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    @Test
    void aConnectionPausedForBudgetRoomIsNotReadFurther() throws Exception {
        Peer[] server = new Peer[1];
        int port = listen(PeerConfig.builder().limits(Limits.builder().maxInboundBytes(2 * 1024 * 1024).build()).build(),
                server);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        server[0].pullRouter().route("/hold", String.class, (b, ctx) -> {
            release.await(30, TimeUnit.SECONDS);
            handled.incrementAndGet();
            return "ok";
        });

        // Frames of 900 KiB: two fill the budget while their handlers wait, the third finds no room.
        int frames = 48;
        byte[] frame = pull(1, "/hold", 900 * 1024);
        long total = (long) frames * frame.length;
        AtomicLong written = new AtomicLong();
        Socket s = raw(port);
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < frames; i++) {
                    for (int off = 0; off < frame.length; off += 64 * 1024) {
                        int n = Math.min(64 * 1024, frame.length - off);
                        out.write(frame, off, n);
                        written.addAndGet(n);
                    }
                }
            } catch (IOException closed) {
                // the test ends
            }
        });
        writer.setDaemon(true);
        writer.start();

        await().until(() -> server[0].stats().pausedSessions() == 1);
        Thread.sleep(1500);
        // What the socket buffers of both ends hold on loopback is a few MiB; reading on would take all.
        assertThat(written.get()).as("bytes the paused server let in, of %d", total).isLessThan(total / 2);

        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.get() == frames);
        await().until(() -> server[0].stats().inboundBytes() == 0);
        // Each pull was answered: nothing the paused connection sent was lost.
        s.setSoTimeout(5000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        for (int i = 0; i < frames; i++) {
            assertThat(Frames.read(in).type()).isEqualTo(PacketType.REPLY);
        }
    }

    @Test
    void aLargeFrameArrivingInPartsIsHeldWhereTheBudgetCountsIt() throws Exception {
        Peer[] server = new Peer[1];
        int port = listen(PeerConfig.builder().limits(Limits.builder().frameReadTimeout(Duration.ofSeconds(30)).build())
                .build(), server);
        server[0].pullRouter().route("/big", String.class, (b, ctx) -> Integer.toString(b.length()));
        long directBefore = directBytes();

        // Eight of a twelve MiB frame, then a pause.
        byte[] frame = pull(1, "/big", 12 * 1024 * 1024);
        Socket s = raw(port);
        s.getOutputStream().write(frame, 0, 8 * 1024 * 1024);
        await().until(() -> server[0].stats().inboundBytes() >= 8L * 1024 * 1024 - 64 * 1024);
        assertThat(directBytes() - directBefore).as("direct memory taken while the frame is partial")
                .isLessThan(3L * 1024 * 1024);
        assertThat(server[0].stats().inboundBytes()).as("the budget counts what the frame holds, at most its size")
                .isLessThanOrEqualTo(frame.length);

        s.getOutputStream().write(frame, 8 * 1024 * 1024, frame.length - 8 * 1024 * 1024);
        s.setSoTimeout(5000);
        Packet reply = Frames.read(new DataInputStream(s.getInputStream()));
        assertThat(new String(reply.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("\"" + 12 * 1024 * 1024 + "\"");
        await().until(() -> server[0].stats().inboundBytes() == 0);
    }

    @Test
    void aGatheredFrameThatStallsIsClosedByTheFrameReadTimeoutAndGivesItsBytesBack() throws Exception {
        Peer[] server = new Peer[1];
        int port = listen(PeerConfig.builder().limits(Limits.builder().frameReadTimeout(Duration.ofMillis(400)).build())
                .build(), server);
        server[0].pullRouter().route("/big", String.class, (b, ctx) -> Integer.toString(b.length()));

        byte[] frame = pull(1, "/big", 1024 * 1024);
        Socket s = raw(port);
        s.getOutputStream().write(frame, 0, 300 * 1024);
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        assertThat(server[0].stats().frameReadTimeouts()).isEqualTo(1);
        await().until(() -> server[0].stats().inboundBytes() == 0);
    }

    @Test
    void framesCutAnywhereAroundAGatheredOneAreAllAnswered() throws Exception {
        Peer[] server = new Peer[1];
        int port = listen(PeerConfig.defaults(), server);
        server[0].pullRouter().route("/big", String.class, (b, ctx) -> Integer.toString(b.length()));
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        int[] sizes = {10, 300 * 1024, 20, 70 * 1024, 2 * 1024 * 1024, 5};
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < sizes.length; i++) {
            stream.write(pull(i + 1, "/big", sizes[i]));
        }
        byte[] bytes = stream.toByteArray();
        for (int round = 0; round < 5; round++) {
            Socket s = raw(port);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (int off = 0; off < bytes.length;) {
                // Cuts of 1 byte to 200 KiB, so that frames start and end inside reads.
                int n = Math.min(bytes.length - off, random.nextInt(4) == 0 ? 1 + random.nextInt(16)
                        : 1 + random.nextInt(200 * 1024));
                out.write(bytes, off, n);
                out.flush();
                off += n;
            }
            s.setSoTimeout(5000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            java.util.Map<Long, String> replies = new java.util.HashMap<>();
            for (int i = 0; i < sizes.length; i++) {
                Packet reply = Frames.read(in);
                replies.put(reply.seq(), new String(reply.bodyBytes(), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < sizes.length; i++) {
                assertThat(replies.get((long) i + 1)).as("seed %d, frame %d", seed, i + 1).isEqualTo("\"" + sizes[i] + "\"");
            }
            s.close();
        }
        await().until(() -> server[0].stats().inboundBytes() == 0);
    }

    @Test
    void aFrameThatFoundNoRoomAtItsFirstBytesIsReadOnceRoomIsFreed() throws Exception {
        Peer[] server = new Peer[1];
        int port = listen(PeerConfig.builder().limits(Limits.builder().maxInboundBytes(1024 * 1024).build()).build(),
                server);
        CountDownLatch release = new CountDownLatch(1);
        server[0].pullRouter().route("/hold", String.class, (b, ctx) -> {
            release.await(30, TimeUnit.SECONDS);
            return "held";
        });
        server[0].pullRouter().route("/big", String.class, (b, ctx) -> Integer.toString(b.length()));

        // A frame of 900 KiB alone takes more than a 300 KiB frame's share (seven eighths of 1 MiB).
        Socket holder = raw(port);
        holder.getOutputStream().write(pull(1, "/hold", 900 * 1024));
        await().until(() -> server[0].stats().inboundBytes() >= 900 * 1024);
        Socket waiting = raw(port);
        waiting.getOutputStream().write(pull(1, "/big", 300 * 1024));
        await().until(() -> server[0].stats().pausedSessions() == 1);

        release.countDown();
        waiting.setSoTimeout(5000);
        Packet reply = Frames.read(new DataInputStream(waiting.getInputStream()));
        assertThat(new String(reply.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo("\"" + 300 * 1024 + "\"");
        await().until(() -> server[0].stats().inboundBytes() == 0);
    }
}
