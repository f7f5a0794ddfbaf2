package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.PullFailures;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A draining peer, as Tomcat or gRPC: new pulls on any session are refused with 503 "shutting
 * down" and new pushes dropped, while the work in flight finishes; idle sessions close at once; the
 * start and the end are one INFO line each.
 */
class DrainTest {

    private static final Rerror SHUTTING_DOWN = new Rerror(503, "Service Unavailable", "shutting down");

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.internal.session.PeerDrain", Level.INFO);

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger pushes = new AtomicInteger();

    private Peer server() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            started.countDown();
            release.await(10, TimeUnit.SECONDS);
            return "done " + body;
        });
        server.pullRouter().route("/fast", String.class, (body, ctx) -> "fast " + body);
        server.pushRouter().route("/note", String.class, (body, ctx) -> pushes.incrementAndGet());
        server.listen("127.0.0.1:0", null);
        return server;
    }

    /** A pull of {@code /slow}, once its handler runs. */
    private CompletableFuture<String> slowPullStarted(Session client) throws InterruptedException {
        CompletableFuture<String> inFlight = client.pullAsync("/slow", "x", String.class);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        return inFlight;
    }

    private Session dial(Peer server) {
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        return peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
    }

    /**
     * A peer that never listened nor dialed (an application that failed to start) stops without saying it
     * drained: two trials read "draining 0 sessions" and "peer shut down" under "the peer does not start".
     */
    @Test
    void aPeerNeverUsedStopsQuietlyAndAUsedOneSaysItDrained() {
        new Peer(PeerConfig.defaults()).shutdown(Duration.ofSeconds(1));
        assertThat(log.events(Level.INFO)).isEmpty();
        Peer server = server();
        server.shutdown(Duration.ofSeconds(1));
        assertThat(log.lines("draining 0 sessions")).hasSize(1);
    }

    @Test
    void newPullsAreRefusedWhileThoseInFlightFinishAndIdleSessionsCloseFirst() throws Exception {
        Peer server = server();
        Session busy = dial(server);
        Session idle = dial(server);
        CompletableFuture<String> inFlight = busy.pullAsync("/slow", "x", String.class);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        // A dial returns once connected, maybe before the server's I/O thread took the idle one in.
        await().until(() -> server.sessionCount() == 2);

        CompletableFuture<Void> down = server.closeAsync(Duration.ofSeconds(10));
        // Once the drain has counted what is in flight: a push it counted while refusing it would make two.
        await().until(() -> log.events(Level.INFO).stream().anyMatch(e -> e.getFormattedMessage().startsWith("draining")));
        busy.push("/note", "dropped").join();
        assertThat(PullFailures.of(busy, "/fast", "y")).isEqualTo(SHUTTING_DOWN);
        idle.closeFuture().get(5, TimeUnit.SECONDS);
        assertThat(inFlight).as("the idle session closed first; the busy one waits for its pull").isNotDone();

        release.countDown();
        assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("done x");
        down.get(5, TimeUnit.SECONDS);
        assertThat(pushes).hasValue(0);
        assertThat(server.stats().drainRefused()).as("counted as the drain's, not saturation's").isEqualTo(2);
        assertThat(server.stats().pullsRefused()).isZero();
        assertThat(server.stats().pushesRefused()).isZero();
        assertThat(log.events(Level.INFO)).extracting(e -> e.getFormattedMessage()).satisfiesExactly(
                start -> assertThat(start).startsWith("draining 2 sessions / 1 pulls and pushes in flight (1 being "
                        + "handled here, 0 awaiting replies), timeout "),
                end -> assertThat(end).matches("drained 2 sessions in \\d+ ms; refused 1 new pulls \\(503\\) and "
                        + "dropped 1 new pushes"));
    }

    @Test
    void aHandlerInFlightStillCallsTheBackendItsPeerDialed() throws Exception {
        Peer backend = server();
        int backendPort = ((InetSocketAddress) backend.listenAddresses().iterator().next()).getPort();
        Peer midTier = peers.add(new Peer(PeerConfig.defaults()));
        Session toBackend = midTier.dial("127.0.0.1:" + backendPort);
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        midTier.pullRouter().route("/mid", String.class, (body, ctx) -> {
            handling.countDown();
            goOn.await(10, TimeUnit.SECONDS);
            // Two calls, the second after the drain has closed every idle session it could.
            return toBackend.pull("/fast", body, String.class) + ", " + toBackend.pull("/fast", "again", String.class);
        });
        midTier.listen("127.0.0.1:0", null);
        CompletableFuture<String> call = dial(midTier).pullAsync("/mid", "x", String.class);
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> down = midTier.closeAsync(Duration.ofSeconds(10));
        await().until(() -> log.events(Level.INFO).stream().anyMatch(e -> e.getFormattedMessage().startsWith("draining")));
        Thread.sleep(100);
        assertThat(toBackend.isHealthy()).as("the dialed session waits for the handlers in flight").isTrue();
        goOn.countDown();
        assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("fast x, fast again");
        down.get(5, TimeUnit.SECONDS);
        assertThat(toBackend.isHealthy()).isFalse();
    }

    @Test
    void aClosingSessionRefusesNewPullsToo() throws Exception {
        Peer server = server();
        Session client = dial(server);
        CompletableFuture<String> inFlight = slowPullStarted(client);

        CompletableFuture<Void> closed = server.sessions().iterator().next().close();
        // The session closes, not the peer: it says so (an application's kick, an authentication refused).
        assertThat(PullFailures.of(client, "/fast", "y")).isEqualTo(new Rerror(503, "Service Unavailable", "session closing"));
        release.countDown();
        assertThat(inFlight.get(5, TimeUnit.SECONDS)).isEqualTo("done x");
        closed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aDrainCutShortByItsTimeoutDoesNotSayItDrained() throws Exception {
        Peer server = server();
        Session client = dial(server);
        CompletableFuture<String> inFlight = slowPullStarted(client);
        server.shutdown(java.time.Duration.ofMillis(300));
        assertThat(log.events(Level.WARN)).extracting(e -> e.getFormattedMessage()).anySatisfy(line -> assertThat(line)
                .matches("drain of 1 sessions ended at its timeout of \\d+ ms, not finished: cut off 1 handlers still"
                        + " running .* and 0 pulls of this side awaiting replies .*; refused 0 new pulls.*"));
        assertThat(log.events(Level.INFO)).extracting(e -> e.getFormattedMessage()).noneMatch(l -> l.startsWith("drained"));
        release.countDown();
        assertThat(inFlight).failsWithin(5, TimeUnit.SECONDS);
    }

    /**
     * Handlers that hold no thread (a future never completed) and this side's own pulls awaiting
     * replies are what a drain cut off too: said at WARN, though no thread is left to abandon.
     */
    @Test
    void aDrainCutShortSaysWhatItCutOffWhenNoThreadIsHeld() throws Exception {
        Peer server = server();
        CountDownLatch neverStarted = new CountDownLatch(1);
        server.pullRouter().route("/never", String.class, (body, ctx) -> {
            neverStarted.countDown();
            return new CompletableFuture<String>();
        });
        Peer stalled = peers.add(new Peer(PeerConfig.defaults()));
        stalled.pullRouter().route("/stall", String.class, (body, ctx) -> new CompletableFuture<String>());
        stalled.listen("127.0.0.1:0", null);
        Session client = dial(server);
        CompletableFuture<String> never = client.pullAsync("/never", "x", String.class);
        // The server's own pulls to a peer that never answers.
        Session toStalled = server.dial("127.0.0.1:" + ((InetSocketAddress) stalled.listenAddresses().iterator().next()).getPort());
        List<CompletableFuture<String>> awaiting = List.of(toStalled.pullAsync("/stall", "a", String.class),
                toStalled.pullAsync("/stall", "b", String.class));
        assertThat(neverStarted.await(5, TimeUnit.SECONDS)).isTrue();
        await().until(() -> server.stats().pendingPulls() == 2);

        server.shutdown(java.time.Duration.ofMillis(300));
        assertThat(log.events(Level.WARN)).extracting(e -> e.getFormattedMessage()).anySatisfy(line -> assertThat(line)
                .contains("not finished: cut off 1 handlers still running").contains("and 2 pulls of this side awaiting replies"));
        assertThat(never).failsWithin(5, TimeUnit.SECONDS);
        for (CompletableFuture<String> pull : awaiting) {
            assertThat(pull).failsWithin(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aDrainWithNothingInFlightDrainedEvenWithNoTimeLeft() throws Exception {
        Peer server = server();
        dial(server);
        org.awaitility.Awaitility.await().until(() -> server.sessionCount() == 1);
        server.shutdown(java.time.Duration.ZERO);
        assertThat(log.events(Level.INFO)).extracting(e -> e.getFormattedMessage())
                .anyMatch(l -> l.startsWith("drained 1 sessions in")).noneMatch(l -> l.contains("not finished"));
    }
}
