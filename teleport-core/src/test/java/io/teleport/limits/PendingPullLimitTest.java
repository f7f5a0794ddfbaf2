package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link Limits#maxPendingPullsPerSession()} and {@link Limits#maxPendingPulls()} against a remote
 * peer that reads every pull and answers none (a raw socket that drains what it gets): this side
 * holds no more pulls than its places, the one past them fails at once as not sent and is counted,
 * and the places come back however the pulls end (reply, timeout, closed connection).
 */
class PendingPullLimitTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final ServerSocket silent;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    PendingPullLimitTest() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptAndDrain, "silent-peer");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Reads everything each connection sends and never writes a byte. */
    private void acceptAndDrain() {
        while (!silent.isClosed()) {
            try {
                Socket s = silent.accept();
                accepted.add(s);
                Thread reader = new Thread(() -> drain(s), "silent-reader");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void drain(Socket s) {
        byte[] buf = new byte[8192];
        try (InputStream in = s.getInputStream()) {
            while (in.read(buf) >= 0) {
                // Nothing is answered.
            }
        } catch (IOException closed) {
            // The test closed it.
        }
    }

    @AfterEach
    void closeSilentPeer() throws IOException {
        silent.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Peer client(Limits limits) {
        return peers.add(new Peer(PeerConfig.builder().limits(limits).build()));
    }

    private String silentAddress() {
        return "127.0.0.1:" + silent.getLocalPort();
    }

    private static List<CompletableFuture<String>> pulls(Session session, int n, Duration timeout) {
        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pulls.add(session.pullAsync("/never", "x", String.class, CallOptions.timeout(timeout)));
        }
        return pulls;
    }

    private static RerrorException failure(CompletableFuture<?> call) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> call.get(5, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(RerrorException.class);
        return (RerrorException) e.getCause();
    }

    @Test
    void aSessionHoldsNoMorePullsThanItsPlacesAndTheyComeBackWhenItsConnectionCloses() {
        Peer client = client(Limits.builder().maxPendingPullsPerSession(8).build());
        Session session = client.dial(silentAddress());

        List<CompletableFuture<String>> held = pulls(session, 8, Duration.ofSeconds(30));
        assertThat(session.pendingPulls()).isEqualTo(8);
        assertThat(client.stats().pendingPulls()).isEqualTo(8);

        CompletableFuture<String> past = session.pullAsync("/never", "x", String.class);
        RerrorException refused = failure(past);
        assertThat(refused.code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
        assertThat(refused.rerror().detail()).startsWith("not sent: 8 pulls of the session await replies")
                .contains("max-pending-pulls-per-session");
        assertThat(client.stats().pendingPullsRefused()).isEqualTo(1);
        assertThat(held).noneMatch(CompletableFuture::isDone);

        // The remote drops the connection (a close of this side's would wait for the replies first).
        await().atMost(Duration.ofSeconds(5)).until(() -> accepted.size() == 1);
        closeQuietly(accepted.get(0));
        for (CompletableFuture<String> pull : held) {
            assertThat(failure(pull).code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
        }
        assertThat(session.pendingPulls()).isZero();
        assertThat(client.stats().pendingPulls()).isZero();
    }

    @Test
    void pullsThatTimeOutGiveTheirPlacesBack() {
        Peer client = client(Limits.builder().maxPendingPullsPerSession(3).build());
        Session session = client.dial(silentAddress());

        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<String>> held = pulls(session, 3, Duration.ofMillis(100));
            for (CompletableFuture<String> pull : held) {
                assertThat(failure(pull).code()).isEqualTo(Rerror.CODE_PULL_TIMEOUT);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> client.stats().pendingPulls() == 0);
            assertThat(session.pendingPulls()).isZero();
        }
        assertThat(client.stats().pendingPullsRefused()).isZero();
    }

    @Test
    void sessionsWhosePeersNeverAnswerCannotTakeEveryPlaceOfThePeer() {
        Peer client = client(Limits.builder().maxPendingPullsPerSession(100).maxPendingPulls(40).build());
        Session first = client.dial(silentAddress());
        Session second = client.dial(silentAddress());

        // Under half of the 40 places beyond each session's first, a session takes what it wants; past half,
        // its share of half of them: 20 for the one session holding any, then 10 each for two.
        List<CompletableFuture<String>> firstHeld = pulls(first, 100, Duration.ofSeconds(30));
        assertThat(first.pendingPulls()).isEqualTo(21);
        assertThat(failure(firstHeld.get(21)).rerror().detail()).isEqualTo("not sent: 21 pulls of the session beyond its"
                + " first await replies, its share of limits.max-pending-pulls while more than half of them are taken"
                + " (1 sessions hold some)");
        pulls(second, 100, Duration.ofSeconds(30));
        assertThat(second.pendingPulls()).as("the other session still has places").isEqualTo(11);
        assertThat(client.stats().pendingPulls()).isEqualTo(32);
        assertThat(client.stats().pendingPullsRefused()).isEqualTo(79 + 89);

        // Many sessions each within their share fill the places: then the limit itself refuses.
        for (int i = 0; i < 4; i++) {
            pulls(client.dial(silentAddress()), 3, Duration.ofSeconds(30));
        }
        Session last = client.dial(silentAddress());
        List<CompletableFuture<String>> lastHeld = pulls(last, 4, Duration.ofSeconds(30));
        assertThat(last.pendingPulls()).isEqualTo(3);
        assertThat(failure(lastHeld.get(3)).rerror().detail()).isEqualTo("not sent: 40 pulls of the peer beyond the first"
                + " of each session await replies, its limit (limits.max-pending-pulls)");

        // The first session's pulls end: their places are the others' to take.
        first.dropConnection("the test drops it").join();
        firstHeld.subList(0, 21).forEach(pull -> assertThat(failure(pull).code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED));
        assertThat(last.pullAsync("/never", "x", String.class)).isNotDone();
    }

    @Test
    void answeredPullsGiveTheirPlacesBackWhetherTheyWaitedAloneOrTogether() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = client(Limits.builder().maxPendingPullsPerSession(4).build());
        Session session = client.dial("127.0.0.1:" + port);

        for (int round = 0; round < 50; round++) {
            // One at a time (the session's single slot), then four at once (the map as well).
            assertThat(session.pull("/echo", "one " + round, String.class)).isEqualTo("one " + round);
            List<CompletableFuture<String>> together = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                together.add(session.pullAsync("/echo", round + "." + i, String.class));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(together.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(round + "." + i);
            }
        }
        assertThat(session.pendingPulls()).isZero();
        assertThat(client.stats().pendingPulls()).isZero();
        assertThat(client.stats().pendingPullsRefused()).isZero();
        assertThatThrownBy(() -> Limits.builder().maxPendingPullsPerSession(0))
                .hasMessage("maxPendingPullsPerSession: 0 (expected: >= 1)");
    }

    /**
     * Replies, timeouts, refusals and a dropped connection race on three sessions; every place comes
     * back. Seeded: the seed is in the failure's message.
     */
    @Test
    void everyPlaceComesBackWhenRepliesTimeoutsAndADroppedConnectionRace() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> {
            if (body.hashCode() % 4 == 0) {
                Thread.sleep(1);
            }
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = client(Limits.builder().maxPendingPullsPerSession(16).maxPendingPulls(40).build());
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 8; round++) {
                List<Session> sessions = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    sessions.add(client.dial("127.0.0.1:" + port));
                }
                List<CompletableFuture<String>> calls = new CopyOnWriteArrayList<>();
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Session session = sessions.get(t % 3);
                    long[] timeouts = random.longs(200, 1, 50).toArray();
                    senders.add(callers.submit(() -> {
                        for (int i = 0; i < timeouts.length; i++) {
                            calls.add(session.pullAsync("/echo", "x" + i, String.class,
                                    CallOptions.timeout(Duration.ofMillis(timeouts[i]))));
                        }
                    }));
                }
                Thread.sleep(random.nextInt(5));
                sessions.get(round % 3).dropConnection("the test drops it").join();
                for (Future<?> sender : senders) {
                    sender.get(10, TimeUnit.SECONDS);
                }
                for (CompletableFuture<String> call : calls) {
                    call.handle((reply, failure) -> null).get(10, TimeUnit.SECONDS);
                }
                await("seed " + seed + ", round " + round).atMost(Duration.ofSeconds(5))
                        .until(() -> client.stats().pendingPulls() == 0);
                for (Session session : sessions) {
                    assertThat(session.pendingPulls()).as("seed %d, round %d", seed, round).isZero();
                    session.close().join();
                }
            }
            // No place was lost or given twice, nor a holder.
            assertThat(((io.teleport.internal.limits.Counters) client.stats()).pendingPulls.shared())
                    .as("seed %d", seed).isEqualTo("0/0");
        } finally {
            callers.shutdownNow();
        }
    }
}
