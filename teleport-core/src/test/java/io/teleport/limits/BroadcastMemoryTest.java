package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Broadcasts to many peers that read nothing: each session may queue up to its high water mark before
 * it counts as a slow reader, and together they would hold far more than the peer's outbound bound.
 * Past that bound, a broadcast passes by the sessions that have not written out what they hold, so
 * what all of them queue stays near the bound, while a peer that reads gets every push.
 */
class BroadcastMemoryTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final List<Socket> sockets = new ArrayList<>();

    private static final int SILENT = 16;
    private static final long BOUND = 256 * 1024;
    // Under 4 KiB in JSON (base64), so that each frame has a copy, as small bodies do: a large body is
    // shared by all the frames, and held once (BroadcastSharedBodyTest).
    private static final int BODY = 2 * 1024;
    private static final int IO_THREADS = 2;

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Test
    void peersThatReadNothingTogetherHoldAboutTheOutboundBoundAndAReaderGetsEveryPush() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxOutboundBytes(BOUND).build())
                .ioThreads(IO_THREADS).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        for (int i = 0; i < SILENT; i++) {
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", port));
            sockets.add(s);
        }
        Peer reader = peers.add(new Peer(PeerConfig.defaults()));
        AtomicInteger got = new AtomicInteger();
        reader.pushRouter().route("/news", byte[].class, (body, ctx) -> got.incrementAndGet());
        Session subscriber = reader.dial("127.0.0.1:" + port);
        await().until(() -> server.sessions().size() == SILENT + 1);

        int rounds = 1500;
        for (int i = 0; i < rounds; i++) {
            server.pushAll("/news", new byte[BODY], s -> true).get(5, TimeUnit.SECONDS);
        }
        long queued = server.stats().outboundBytes();
        // Without the bound each silent session would hold about its 1 MiB high water mark, 16 MiB in all.
        // With it, the sessions reached hold about the bound, and the first one each I/O thread reaches (its
        // own holdings alone counted) about the bound again; each may have frames in flight uncounted (a
        // session holding nothing gets its frame unchecked), and Netty counts 96 bytes more for each frame.
        assertThat(queued).as("bytes the sessions hold").isLessThan(3 * (1 + IO_THREADS) * BOUND);
        assertThat(server.stats().broadcastSkipped()).isPositive();
        // A reader holds nothing between pushes but for a moment: it is passed by seldom (more often when
        // its own I/O thread is starved on a busy machine, so half, not all).
        await().atMost(10, TimeUnit.SECONDS).until(() -> got.get() >= rounds / 2);
        assertThat(subscriber.isHealthy()).isTrue();
    }
}
