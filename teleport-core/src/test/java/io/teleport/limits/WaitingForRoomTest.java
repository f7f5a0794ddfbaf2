package io.teleport.limits;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.session.Session;
import io.teleport.testing.Frames;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Frames that wait for room in the inbound budget. The frame-read timeout measures the sender, not this side: a frame that holds part of the inbound
 * budget and waits for more room does not count that wait (new-user trial 17: a process resumed with
 * 2,000 connections' backlogs closed hundreds of honest ones as slow senders, losing their pushes). A
 * frame that never ends still meets the timeout once room is freed and it is read again; and when no room
 * is freed for as long as the timeout, the wait counts after all (PipelineEmbeddedTest). And what a
 * connection has read but cannot reserve it holds uncounted while it waits: reads are kept small then, so
 * that many connections whose reads had grown large do not hold a large read each (trial 17 ran out of
 * direct memory that way, the budget itself a quarter of it).
 */
class WaitingForRoomTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final int FIRST_PART = 100_000;
    private static final int CONNECTIONS = 150;

    @Test
    void aFrameWaitingForRoomPastTheTimeoutIsReadOnceThereIsRoomWhileOneThatNeverEndsIsClosed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Peer server = holdingServer(Limits.builder().maxInboundBytes(1024 * 1024).frameReadTimeout(Duration.ofSeconds(3)), release);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        byte[] honest = frame(1, 300_000);
        byte[] endless = frame(2, 300_000);
        // Dialed first, so that nothing slow happens between the frames' first bytes and the wait.
        Session filler = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        Session ticker = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            // Both frames start arriving: a third of each, reserved as it comes.
            a.getOutputStream().write(honest, 0, FIRST_PART);
            b.getOutputStream().write(endless, 0, FIRST_PART);
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().inboundBytes() >= 2L * FIRST_PART);
            // Pulls whose handlers hold their bytes fill the medium frames' share of the budget.
            for (int i = 0; i < 7; i++) {
                filler.pullAsync("/hold", "y".repeat(FIRST_PART), String.class);
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().inboundBytes() > 880_000);
            // The rest of the honest frame, which does not fit now; the endless one sends no more. Small calls
            // go on meanwhile (the budget's last eighth): room is freed now and then, so the budget is not stalled.
            a.getOutputStream().write(honest, FIRST_PART, honest.length - FIRST_PART);
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(6500);
            while (System.nanoTime() < until) {
                assertThat(ticker.pull("/size", "tick", String.class)).isEqualTo("4");
                Thread.sleep(100);
            }
            assertThat(server.stats().frameReadTimeouts()).as("the endless frame, read and late, and not the one "
                    + "that waited for room").isEqualTo(1);

            release.countDown();
            a.setSoTimeout(10_000);
            Packet reply = Frames.read(new DataInputStream(a.getInputStream()));
            assertThat(reply.type()).isEqualTo(PacketType.REPLY);
            assertThat(reply.seq()).isEqualTo(1);
            b.setSoTimeout(10_000);
            assertThat(readsToEnd(b.getInputStream())).as("the endless frame's connection is closed").isTrue();
            assertThat(server.stats().frameReadTimeouts()).isEqualTo(1);
            assertThat(filler.isHealthy()).isTrue();
        }
    }

    @Test
    void connectionsWaitingForRoomHoldLittleOfWhatTheyRead() throws Exception {
        // 4 MiB: room past the medium frames' share for one frame's rest at a time (the overdraft).
        CountDownLatch release = new CountDownLatch(1);
        Peer server = holdingServer(Limits.builder().maxInboundBytes(4 * 1024 * 1024).frameReadTimeout(Duration.ofSeconds(30)),
                release);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        List<Socket> sockets = new ArrayList<>();
        try {
            // Large frames first, so that each connection's reads grow to Netty's largest.
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.setSoTimeout(20_000);
                sockets.add(s);
                for (int seq = 1; seq <= 3; seq++) {
                    s.getOutputStream().write(frame(seq, 200_000));
                    assertThat(Frames.read(new DataInputStream(s.getInputStream())).seq()).isEqualTo(seq);
                }
            }
            // Pulls whose handlers hold their bytes take the medium frames' share of the budget.
            Session filler = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
            for (int i = 0; i < 38; i++) {
                filler.pullAsync("/hold", "y".repeat(100_000), String.class);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> server.stats().inboundBytes() > 3_500_000);
            long before = usedDirectMemory();
            for (Socket s : sockets) {
                s.getOutputStream().write(frame(4, 200_000));
            }
            // Most wait for room (one frame at a time may take the rest of itself past the share, and finish).
            await().atMost(10, TimeUnit.SECONDS).until(() -> server.stats().pausedSessions() >= CONNECTIONS / 2);
            Thread.sleep(300);
            long held = usedDirectMemory() - before;
            // Reads of up to 64 KiB would hold about 10 MB between them; kept to a sixteenth of the budget
            // between those waiting (at least 4 KiB each) as they join, a few MB.
            assertThat(held).as("direct memory the waiting connections took").isLessThan(4L * 1024 * 1024);

            release.countDown();
            for (Socket s : sockets) {
                Packet reply = Frames.read(new DataInputStream(s.getInputStream()));
                assertThat(reply.seq()).isEqualTo(4);
            }
            assertThat(server.stats().frameReadTimeouts()).isZero();
        } finally {
            release.countDown();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** A server whose {@code /hold} pulls keep their bytes in the budget until {@code release}. */
    private Peer holdingServer(Limits.Builder limits, CountDownLatch release) {
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits.build()).build()));
        server.pullRouter().route("/hold", String.class, (b, ctx) -> {
            release.await();
            return "held";
        });
        server.pullRouter().route("/size", String.class, (b, ctx) -> Integer.toString(b.length()));
        return server;
    }

    private static byte[] frame(long seq, int bodyBytes) {
        byte[] body = new byte[bodyBytes];
        Arrays.fill(body, (byte) 'x');
        return Frames.encode(new Packet(PacketType.PULL, seq, "/size", null).bodyCodec(StringCodec.ID)
                .encodedBody(Unpooled.wrappedBuffer(body)));
    }

    private static boolean readsToEnd(InputStream in) throws Exception {
        byte[] buf = new byte[8192];
        while (true) {
            if (in.read(buf) < 0) {
                return true;
            }
        }
    }

    private static long usedDirectMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
