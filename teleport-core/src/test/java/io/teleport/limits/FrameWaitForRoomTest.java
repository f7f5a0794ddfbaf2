package io.teleport.limits;

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
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The frame-read timeout measures the sender, not this side: a frame that holds part of the inbound
 * budget and waits for more room does not count that wait (new-user trial 17: a process resumed with
 * 2,000 connections' backlogs closed hundreds of honest ones as slow senders, losing their pushes). A
 * frame that never ends still meets the timeout once room is freed and it is read again.
 */
class FrameWaitForRoomTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final int FRAME_BODY = 300_000;
    private static final int FIRST_PART = 100_000;

    @Test
    void aFrameWaitingForRoomPastTheTimeoutIsReadOnceThereIsRoomWhileOneThatNeverEndsIsClosed() throws Exception {
        Limits limits = Limits.builder().maxInboundBytes(1024 * 1024).frameReadTimeout(Duration.ofSeconds(1)).build();
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits).build()));
        CountDownLatch release = new CountDownLatch(1);
        server.pullRouter().route("/hold", String.class, (b, ctx) -> {
            release.await();
            return "held";
        });
        server.pullRouter().route("/size", String.class, (b, ctx) -> Integer.toString(b.length()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        byte[] honest = frame(1);
        byte[] endless = frame(2);
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            // Both frames start arriving: a third of each, reserved as it comes.
            a.getOutputStream().write(honest, 0, FIRST_PART);
            b.getOutputStream().write(endless, 0, FIRST_PART);
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().inboundBytes() >= 2L * FIRST_PART);
            // Pulls whose handlers hold their bytes fill the medium frames' share of the budget.
            Session filler = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
            for (int i = 0; i < 7; i++) {
                filler.pullAsync("/hold", "y".repeat(FIRST_PART), String.class);
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().inboundBytes() > 880_000);
            // The rest of the honest frame, which does not fit now; the endless one sends no more.
            a.getOutputStream().write(honest, FIRST_PART, honest.length - FIRST_PART);
            Thread.sleep(2500);
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

    private static byte[] frame(long seq) {
        byte[] body = new byte[FRAME_BODY];
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
}
