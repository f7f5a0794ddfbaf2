package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostDisconnect;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Graceful shutdown, graceful restart on a shared port, redial, and the read and write timeouts. */
class LifecycleTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(2)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    /** Counts each connection's PostDial and PostDisconnect: they come in pairs, redials or not. */
    private static final class ConnectionCount implements PostDial, PostDisconnect {
        final AtomicInteger dials = new AtomicInteger();
        final AtomicInteger disconnects = new AtomicInteger();

        @Override
        public Rerror postDial(Session session) {
            dials.incrementAndGet();
            return null;
        }

        @Override
        public void postDisconnect(Session session) {
            disconnects.incrementAndGet();
        }
    }

    private static int port(java.net.SocketAddress address) {
        return ((InetSocketAddress) address).getPort();
    }

    @Test
    void gracefulShutdownDuringAThousandInFlightPullsLosesNoReply() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(200).build());
        CountDownLatch started = new CountDownLatch(200);
        CountDownLatch closing = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        server.pullRouter().route("/work", Integer.class, (n, ctx) -> {
            started.countDown();
            // No reply before the shutdown has begun: every one of them must be drained by it.
            assertThat(closing.await(20, TimeUnit.SECONDS)).isTrue();
            done.incrementAndGet();
            return n * 2;
        });
        int port = port(server.listen("127.0.0.1:0", null));
        Peer client = peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(30)).build());
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sessions.add(client.dial("127.0.0.1:" + port));
        }
        List<CompletableFuture<Integer>> pulls = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            pulls.add(sessions.get(i % 10).pullAsync("/work", i, Integer.class));
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        await().until(() -> server.sessions().stream().mapToInt(s -> ((DefaultSession) s).activeHandlers()).sum() == 1000);
        assertThat(done.get()).as("every pull is in flight when the shutdown starts").isZero();

        List<Session> accepted = List.copyOf(server.sessions());
        CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> server.shutdown(Duration.ofSeconds(20)));
        await().until(() -> accepted.stream().noneMatch(Session::isHealthy));
        closing.countDown();
        shutdown.get(30, TimeUnit.SECONDS);

        for (int i = 0; i < 1000; i++) {
            assertThat(pulls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i * 2);
        }
        assertThatThrownBy(() -> client.dial("127.0.0.1:" + port)).isInstanceOf(RerrorException.class)
                .as("the listener is closed");
        await().atMost(Duration.ofSeconds(5)).until(() -> client.sessionCount() == 0);
    }

    @Test
    void closeAsyncReturnsAtOnceAndCompletesOnceInFlightWorkIsAnswered() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.pullRouter().route("/slow", String.class, (b, ctx) -> {
            handling.countDown();
            release.await(10, TimeUnit.SECONDS);
            return b + "!";
        });
        int port = port(server.listen("127.0.0.1:0", null));
        Session session = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        CompletableFuture<String> pull = session.pullAsync("/slow", "x", String.class);
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = server.closeAsync(Duration.ofSeconds(10));
        assertThat(server.isClosed()).isTrue();
        assertThat(closing).as("the caller is not held while the handler runs").isNotDone();
        assertThat(server.closeAsync()).as("one shutdown, one future").isSameAs(closing);
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertThat(pull.get(5, TimeUnit.SECONDS)).isEqualTo("x!");
    }

    @Test
    void twoPeersShareAPortAndTheFirstDrainsWhileTheSecondServes() throws Exception {
        PeerConfig reuse = PeerConfig.builder().reusePort(true).build();
        Peer old = peer(reuse);
        CountDownLatch draining = new CountDownLatch(1);
        old.pullRouter().route("/who", String.class, (b, ctx) -> {
            if (b.equals("drain")) {
                draining.countDown();
                // Answered only once the shutdown is closing this session: the reply has to be drained.
                await().atMost(Duration.ofSeconds(10)).until(() -> !ctx.session().isHealthy());
            }
            return "old";
        });
        int port = port(old.listen("127.0.0.1:0", null));
        Peer next = peer(reuse);
        next.pullRouter().route("/who", String.class, (b, ctx) -> "new");
        next.listen("127.0.0.1:" + port, null);

        // Connections spread over both listeners; find one that reached the old process.
        Peer client = peer(PeerConfig.defaults());
        Session onOld = null;
        for (int i = 0; i < 50 && onOld == null; i++) {
            Session s = client.dial("127.0.0.1:" + port);
            if (s.pull("/who", "", String.class).equals("old")) {
                onOld = s;
            }
        }
        assertThat(onOld).as("the kernel balanced a connection to the old peer").isNotNull();
        CompletableFuture<String> inFlight = onOld.pullAsync("/who", "drain", String.class);
        assertThat(draining.await(5, TimeUnit.SECONDS)).as("the pull is in the old peer's handler").isTrue();
        old.shutdown(Duration.ofSeconds(5));
        assertThat(inFlight.get(5, TimeUnit.SECONDS)).as("the old peer drained its pull").isEqualTo("old");
        for (int i = 0; i < 10; i++) {
            assertThat(client.dial("127.0.0.1:" + port).pull("/who", "", String.class)).isEqualTo("new");
        }
    }

    @Test
    void aClientRedialsARestartedServerKeepingItsSession() {
        Peer first = peer(PeerConfig.defaults());
        first.pullRouter().route("/hello", String.class, (b, ctx) -> "first");
        int port = port(first.listen("127.0.0.1:0", null));
        ConnectionCount count = new ConnectionCount();
        Peer client = new Peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20))
                .redialMaxInterval(Duration.ofMillis(200)).pullTimeout(Duration.ofSeconds(10)).build(), count);
        peers.add(client);
        Session session = client.dial("127.0.0.1:" + port);
        session.setId("keep-me");
        session.attributes().put("user", "ann");
        assertThat(session.pull("/hello", "", String.class)).isEqualTo("first");

        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());
        Peer second = peer(PeerConfig.defaults());
        second.pullRouter().route("/hello", String.class, (b, ctx) -> "second");
        second.listen("127.0.0.1:" + port, null);

        // A pull made while redialing waits for the new connection.
        assertThat(session.pull("/hello", "", String.class)).isEqualTo("second");
        await().until(session::isHealthy);
        assertThat(client.session("keep-me")).containsSame(session);
        assertThat(session.attributes()).containsEntry("user", "ann");
        await().untilAsserted(() -> assertThat(count.disconnects).hasValue(1));
        client.shutdown(Duration.ofSeconds(1));
        await().untilAsserted(() -> assertThat(count.disconnects).hasValue(2));
        assertThat(count.dials).hasValue(2);
    }

    @Test
    void redialGivesUpAfterItsAttemptsAndWaitingPullsEnd() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/hello", String.class, (b, ctx) -> "hi");
        int port = port(server.listen("127.0.0.1:0", null));
        ConnectionCount count = new ConnectionCount();
        Peer client = new Peer(PeerConfig.builder().redialTimes(3).redialInterval(Duration.ofMillis(10)).build(), count);
        peers.add(client);
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));
        assertThatThrownBy(() -> session.pull("/hello", "", String.class, CallOptions.timeout(Duration.ofSeconds(10))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isIn(102, 104));
        await().until(() -> session.closeFuture().isDone());
        // One connection: one PostDisconnect, not a second one when the redial gives up.
        assertThat(count.dials).hasValue(1);
        assertThat(count.disconnects).hasValue(1);
    }

    @Test
    void aSessionWithNoCompleteFrameWithinTheReadIdleTimeoutIsClosed() throws Exception {
        Peer client = peer(PeerConfig.defaults());
        // Bodies are encoded on the caller's thread: warm that path up on a server without an idle
        // timeout, or the first pull of a cold JVM may take longer than the timeout below.
        Peer warmUp = peer(PeerConfig.defaults());
        warmUp.pullRouter().route("/ping", String.class, (b, ctx) -> "pong");
        assertThat(client.dial("127.0.0.1:" + port(warmUp.listen("127.0.0.1:0", null))).pull("/ping", "", String.class))
                .isEqualTo("pong");
        // Well above a pause of a busy machine's: a gap that long between the active session's pulls closes it too.
        Peer server = peer(PeerConfig.builder().readIdleTimeout(Duration.ofSeconds(2)).build());
        server.pullRouter().route("/ping", String.class, (b, ctx) -> "pong");
        int port = port(server.listen("127.0.0.1:0", null));
        Session active = client.dial("127.0.0.1:" + port);
        try (Socket silent = new Socket("127.0.0.1", port)) {
            silent.getOutputStream().write(new byte[] {0, 0, 0, 60, 'f'});
            silent.setSoTimeout(10_000);
            FutureTask<Integer> end = new FutureTask<>(() -> silent.getInputStream().read());
            Thread reader = new Thread(end, "silent-reader");
            reader.setDaemon(true);
            reader.start();
            // The active session, connected first, gets a complete frame every few milliseconds, far
            // inside the timeout, for as long as the silent one stays open.
            do {
                assertThat(active.pull("/ping", "", String.class)).isEqualTo("pong");
            } while (!ended(end, 20));
            assertThat(end.get()).as("closed for sending half a frame, then nothing").isEqualTo(-1);
        }
        assertThat(active.pull("/ping", "", String.class)).as("the active session outlived it").isEqualTo("pong");
        assertThat(active.isHealthy()).isTrue();
    }

    private static boolean ended(Future<?> future, long millis) throws Exception {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException stillOpen) {
            return false;
        }
    }

    @Test
    void aWriteThatCannotCompleteWithinTheWriteTimeoutClosesTheSession() throws Exception {
        try (ServerSocket deaf = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            AtomicInteger accepted = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                try (Socket s = deaf.accept()) {
                    accepted.incrementAndGet();
                    Thread.sleep(10_000);
                } catch (IOException | InterruptedException ignored) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Peer client = peer(PeerConfig.builder().writeTimeout(Duration.ofMillis(200)).sendBufferSize(4096).build());
            Session session = client.dial("127.0.0.1:" + deaf.getLocalPort());
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 64 && session.isHealthy(); i++) {
                session.push("/sink", chunk);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> session.closeFuture().isDone());
            acceptor.interrupt();
        }
    }
}
