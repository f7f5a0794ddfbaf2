package io.teleport.spring.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.limits.PeerStats;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code teleport.limits.*} meters: each one reads its own stat, and against a real server over
 * real sockets they show the refusals, pauses and closes the clients met.
 */
class TeleportLimitsMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Peer> peers = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final CountDownLatch hold = new CountDownLatch(1);

    @AfterEach
    void stop() throws IOException {
        hold.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    /** A server with the Micrometer plugin, as the auto-configuration builds it, and a route that waits for {@link #hold}. */
    private Peer server(PeerConfig config) {
        Peer server = new Peer(config, new MicrometerPlugin(registry));
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            hold.await(10, TimeUnit.SECONDS);
            return body;
        });
        peers.add(server);
        return server;
    }

    private Session dial(Peer server) {
        Peer client = new Peer(PeerConfig.defaults());
        peers.add(client);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return client.dial("127.0.0.1:" + port);
    }

    private double counter(String name, String reason) {
        return registry.get(name).tag("reason", reason).functionCounter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void everyMeterReadsItsOwnStat() {
        // Distinct values, so that a meter bound to the wrong stat reads a wrong number.
        PeerStats stats = new PeerStats() {
            public long readPauses() { return 1; }
            public int pausedSessions() { return 2; }
            public long inboundBytes() { return 3; }
            public long pullsRefused() { return 4; }
            public long pushesRefused() { return 5; }
            public long drainRefused() { return 21; }
            public long expired() { return 6; }
            public long droppedClosed() { return 7; }
            public long outboundRefused() { return 8; }
            public long broadcastSkipped() { return 9; }
            public long badFrames() { return 10; }
            public long frameReadTimeouts() { return 11; }
            public long handshakeTimeouts() { return 12; }
            public int acceptedConnections() { return 14; }
            public long acceptPauses() { return 15; }
            public long connectionsRefused() { return 16; }
            public long writeStalls() { return 18; }
            public long unreadReplyCloses() { return 19; }
            public long connectionsRefusedPerAddress() { return 20; }
            public long tlsFailures() { return 22; }
            public long pushesDropped() { return 23; }
            public long pendingPulls() { return 24; }
            public long pendingPullsRefused() { return 25; }
            public int handlerThreads() { return 26; }
            public int handlersRunning() { return 27; }
            public int handlersQueued() { return 28; }
            public long asyncHandlerTimeouts() { return 29; }
            public long crowdedAddressCloses() { return 30; }
            public long lateReplies() { return 31; }
            public long outboundBytes() { return 32; }
        };
        new TeleportLimitsMetrics(stats, 13, 17).bindTo(registry);

        assertThat(registry.get("teleport.limits.read.pauses").functionCounter().count()).isEqualTo(1);
        assertThat(gauge("teleport.limits.sessions.paused")).isEqualTo(2);
        assertThat(gauge("teleport.limits.inbound.bytes")).isEqualTo(3);
        assertThat(gauge("teleport.limits.outbound.bytes")).isEqualTo(32);
        assertThat(counter("teleport.limits.refused", "pull-handlers-full")).isEqualTo(4);
        assertThat(counter("teleport.limits.refused", "push-handlers-full")).isEqualTo(5);
        assertThat(counter("teleport.limits.refused", "push-dropped")).isEqualTo(23);
        assertThat(counter("teleport.limits.refused", "draining")).isEqualTo(21);
        assertThat(counter("teleport.limits.refused", "queue-wait")).isEqualTo(6);
        assertThat(counter("teleport.limits.refused", "session-closed")).isEqualTo(7);
        assertThat(counter("teleport.limits.refused", "outbound-full")).isEqualTo(8);
        assertThat(counter("teleport.limits.refused", "broadcast-skipped")).isEqualTo(9);
        assertThat(counter("teleport.limits.connections.closed", "bad-frame")).isEqualTo(10);
        assertThat(counter("teleport.limits.connections.closed", "frame-read-timeout")).isEqualTo(11);
        assertThat(counter("teleport.limits.connections.closed", "handshake-timeout")).isEqualTo(12);
        assertThat(gauge("teleport.limits.inbound.max.bytes")).isEqualTo(13);
        assertThat(gauge("teleport.limits.connections.accepted")).isEqualTo(14);
        assertThat(registry.get("teleport.limits.accept.pauses").functionCounter().count()).isEqualTo(15);
        assertThat(registry.get("teleport.limits.replies.late").functionCounter().count()).isEqualTo(31);
        assertThat(counter("teleport.limits.connections.closed", "max-connections")).isEqualTo(16);
        assertThat(gauge("teleport.limits.connections.max")).isEqualTo(17);
        assertThat(counter("teleport.limits.connections.closed", "write-stall")).isEqualTo(18);
        assertThat(counter("teleport.limits.connections.closed", "replies-unread")).isEqualTo(19);
        assertThat(counter("teleport.limits.connections.closed", "max-connections-per-address")).isEqualTo(20);
        assertThat(counter("teleport.limits.connections.closed", "tls")).isEqualTo(22);
        assertThat(gauge("teleport.limits.pulls.pending")).isEqualTo(24);
        assertThat(counter("teleport.limits.refused", "pending-pulls")).isEqualTo(25);
        assertThat(gauge("teleport.handlers.threads")).isEqualTo(26);
        assertThat(gauge("teleport.handlers.running")).isEqualTo(27);
        assertThat(gauge("teleport.handlers.queued")).isEqualTo(28);
        assertThat(counter("teleport.limits.refused", "async-timeout")).isEqualTo(29);
        assertThat(counter("teleport.limits.connections.closed", "crowded-address")).isEqualTo(30);
        assertThat(registry.find("teleport.limits.refused").functionCounters()).as("a bounded set of reasons").hasSize(10);
        assertThat(registry.find("teleport.limits.connections.closed").functionCounters()).hasSize(9);
    }

    @Test
    void pullsRefusedByAFullHandlerQueueShowAsRefused() throws Exception {
        Limits limits = Limits.builder().maxInboundBytes(32L * 1024 * 1024).build();
        Peer server = server(PeerConfig.builder().handlerThreads(1).handlerQueueCapacity(1).limits(limits).build());
        Session session = dial(server);
        assertThat(gauge("teleport.limits.inbound.max.bytes")).isEqualTo(32.0 * 1024 * 1024);

        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pulls.add(session.pullAsync("/hold", "p" + i, String.class));
        }
        // One pull runs and one waits in the queue: the next is answered at once (and the session is not
        // read for a while), while those two hold.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> pulls.stream().filter(CompletableFuture::isCompletedExceptionally).count() >= 1);
        assertThat(counter("teleport.limits.refused", "pull-handlers-full")).isGreaterThanOrEqualTo(1);
        assertThat(gauge("teleport.limits.inbound.bytes")).as("the admitted pulls are held").isPositive();
        assertThat(gauge("teleport.handlers.threads")).as("a pool of one thread").isEqualTo(1);
        assertThat(gauge("teleport.handlers.running")).as("one pull runs").isEqualTo(1);
        assertThat(gauge("teleport.handlers.queued")).as("and one waits").isEqualTo(1);

        hold.countDown();
        int ok = 0;
        int unavailable = 0;
        for (CompletableFuture<String> pull : pulls) {
            try {
                pull.get(5, TimeUnit.SECONDS);
                ok++;
            } catch (ExecutionException e) {
                RerrorException refused = (RerrorException) e.getCause();
                assertThat(refused.code()).isEqualTo(503);
                assertThat(refused.rerror().detail()).contains("handler executor");
                unavailable++;
            }
        }
        assertThat(ok + unavailable).isEqualTo(6);
        assertThat(ok).as("what was admitted ran").isPositive();
        assertThat(counter("teleport.limits.refused", "pull-handlers-full")).as("every 503 is counted, once")
                .isEqualTo(unavailable);
        assertThat(counter("teleport.limits.refused", "queue-wait")).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("teleport.limits.inbound.bytes") == 0);
    }

    @Test
    void aSessionThatIsNoLongerReadShowsInTheGauge() throws Exception {
        Limits limits = Limits.builder().maxInflightPerSession(1).build();
        Peer server = server(PeerConfig.builder().handlerThreads(4).limits(limits).build());
        Session session = dial(server);
        assertThat(gauge("teleport.limits.sessions.paused")).isZero();

        CompletableFuture<String> first = session.pullAsync("/hold", "a", String.class);
        CompletableFuture<String> second = session.pullAsync("/hold", "b", String.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("teleport.limits.sessions.paused") == 1);
        assertThat(registry.get("teleport.limits.read.pauses").functionCounter().count()).isGreaterThanOrEqualTo(1);

        hold.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("a");
        assertThat(second.get(5, TimeUnit.SECONDS)).as("paused, not refused").isEqualTo("b");
        await().atMost(Duration.ofSeconds(5)).until(() -> gauge("teleport.limits.sessions.paused") == 0);
        assertThat(counter("teleport.limits.refused", "pull-handlers-full")).isZero();
    }

    @Test
    void connectionsClosedByTheLimitsAreCountedByReason() throws Exception {
        // Two places: the silent one, alone in the end, is half of them, so it counts as a stray.
        Limits limits = Limits.builder().frameReadTimeout(Duration.ofMillis(200)).handshakeTimeout(Duration.ofSeconds(1))
                .maxConnections(2).build();
        Peer server = server(PeerConfig.builder().limits(limits).build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        Socket oversize = raw(port);
        oversize.getOutputStream().write(ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).put((byte) 'f').array());
        Socket stalled = raw(port);
        // Declares 100 bytes and sends 8 of them.
        stalled.getOutputStream().write(ByteBuffer.allocate(8).putInt(100).put((byte) 'f').array());
        Socket silent = raw(port);

        assertClosed(oversize);
        assertClosed(stalled);
        assertClosed(silent);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(counter("teleport.limits.connections.closed", "bad-frame")).isEqualTo(1);
            assertThat(counter("teleport.limits.connections.closed", "frame-read-timeout")).isEqualTo(1);
            assertThat(counter("teleport.limits.connections.closed", "handshake-timeout")).isEqualTo(1);
        });
    }

    private Socket raw(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        sockets.add(s);
        return s;
    }

    private static void assertClosed(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] sink = new byte[1024];
        try {
            while (in.read(sink) >= 0) {
                // whatever the server wrote before closing
            }
        } catch (java.net.SocketTimeoutException stillOpen) {
            throw new AssertionError("the server kept the connection open", stillOpen);
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
    }
}
