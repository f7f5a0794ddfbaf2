package io.teleport.limits;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PreWritePush;
import io.teleport.plugin.WriteContext;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import io.teleport.xfer.GzipFilter;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A large broadcast holds its body once, however many sessions have not read it yet: 1 MB to 2,000
 * slow readers held 2 GB of direct memory when each frame had a copy (new-user trial 16 ran out of it,
 * and heartbeats failed meanwhile). What the peer holds to write ({@code PeerStats.outboundBytes()})
 * counts the shared body once, and the peer's outbound bound ({@code Limits.maxOutboundBytes()}) sees it so.
 */
class BroadcastSharedBodyTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final int SILENT = 32;
    private static final int BODY = 1024 * 1024;

    @Test
    void aLargeBroadcastIsHeldOnceForAllTheSessionsThatHaveNotReadIt() throws Exception {
        // A small send buffer, so that the kernel takes little of each frame and Netty holds the rest.
        Peer server = peers.add(new Peer(PeerConfig.builder().sendBufferSize(64 * 1024).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < SILENT; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", port));
                silent.add(s);
            }
            Peer reader = peers.add(new Peer(PeerConfig.defaults()));
            Queue<String> got = new ConcurrentLinkedQueue<>();
            reader.pushRouter().route("/big", String.class, (body, ctx) -> got.add(body));
            reader.dial("127.0.0.1:" + port);
            await().until(() -> server.sessions().size() == SILENT + 1);
            String body = "x".repeat(BODY);
            long directBefore = usedDirectMemory();

            assertThat(server.pushAll("/big", body, s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(SILENT + 1);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !got.isEmpty());
            assertThat(got.poll()).as("the reader's copy, whole").isEqualTo(body);
            // Each silent session holds what its socket did not take of the frame: with a copy each, about
            // 30 MB; shared, the body (a JSON string, two quotes more) and a header per session.
            long held = server.stats().outboundBytes();
            assertThat(held).as("held to write").isBetween((long) BODY, BODY + SILENT * 256L);
            assertThat(usedDirectMemory() - directBefore).as("direct memory taken").isLessThan(4L * BODY);
            assertThat(server.stats().broadcastSkipped()).isZero();
            assertThat(server.sessions()).hasSize(SILENT + 1);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        // Their writes fail as their connections close: the body goes with the last.
        await().atMost(10, TimeUnit.SECONDS).until(() -> server.stats().outboundBytes() == 0);
    }

    /**
     * Push hooks that may block frame a broadcast off the I/O threads: the prepared packets share the body
     * too, and a hook that gives some frames transfer filters has those copy it, as it must pass the filter.
     */
    @Test
    void sessionsWhoseHooksFilterTheFrameGetACopyAndTheRestShareIt() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults(), new GzipEveryOther()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        AtomicInteger whole = new AtomicInteger();
        String body = "y".repeat(BODY / 4);
        List<Session> readers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Peer reader = peers.add(new Peer(PeerConfig.defaults()));
            reader.pushRouter().route("/big", String.class, (b, ctx) -> whole.addAndGet(body.equals(b) ? 1 : 1000));
            readers.add(reader.dial("127.0.0.1:" + port));
        }
        await().until(() -> server.sessions().size() == readers.size());
        for (int round = 1; round <= 3; round++) {
            int expected = round * readers.size();
            assertThat(server.pushAll("/big", body, s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(readers.size());
            await().atMost(10, TimeUnit.SECONDS).until(() -> whole.get() >= expected);
        }
        assertThat(whole.get()).isEqualTo(3 * readers.size());
        await().atMost(10, TimeUnit.SECONDS).until(() -> server.stats().outboundBytes() == 0);
    }

    /**
     * Under TLS each frame is encrypted into a buffer of the session's own as it is written, so a shared
     * body saves nothing there and, counted once, would hide what each session holds: TLS sessions get
     * frames of their own, counted each (a review).
     */
    @Test
    void tlsSessionsThatHaveNotReadABroadcastAreCountedEach() throws Exception {
        io.netty.pkitesting.X509Bundle cert = new io.netty.pkitesting.CertificateBuilder().ecp256().subject("CN=localhost")
                .addSanIpAddress("127.0.0.1").setIsCertificateAuthority(true).buildSelfSigned();
        Peer server = peers.add(new Peer(PeerConfig.builder().sendBufferSize(64 * 1024).serverSslContext(
                io.netty.handler.ssl.SslContextBuilder.forServer(cert.toKeyManagerFactory()).build()).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, cert.toTrustManagerFactory().getTrustManagers(), null);
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", port));
                s.startHandshake();
                silent.add(s);
            }
            await().until(() -> server.sessions().size() == 8);
            assertThat(server.pushAll("/big", "x".repeat(BODY), s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(8);
            // Each holds its own encrypted frame, less what its socket took.
            assertThat(server.stats().outboundBytes()).as("held to write").isGreaterThan(8L * BODY / 2);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> server.stats().outboundBytes() == 0);
    }

    /** A push hook that changes a broadcast's body for a session has its body sent, not the shared one (a review). */
    @Test
    void aHookThatChangesTheBodyHasItsBodySent() throws Exception {
        PreWritePush redact = ctx -> {
            ctx.output().body("redacted");
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), redact));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Queue<String> got = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 3; i++) {
            Peer reader = peers.add(new Peer(PeerConfig.defaults()));
            reader.pushRouter().route("/big", String.class, (b, ctx) -> got.add(b));
            reader.dial("127.0.0.1:" + port);
        }
        await().until(() -> server.sessions().size() == 3);
        assertThat(server.pushAll("/big", "x".repeat(BODY), s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(3);
        await().atMost(10, TimeUnit.SECONDS).until(() -> got.size() == 3);
        assertThat(got).containsOnly("redacted");
    }

    /** Gzips every other push; does not claim to be non-blocking, so broadcasts run it off the I/O threads. */
    static final class GzipEveryOther implements PreWritePush {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public @Nullable Rerror preWritePush(WriteContext ctx) {
            if (n.incrementAndGet() % 2 == 0) {
                ctx.output().xferPipe(GzipFilter.ID);
            }
            return null;
        }
    }

    private static long usedDirectMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
