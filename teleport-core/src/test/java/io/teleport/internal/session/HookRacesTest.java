package io.teleport.internal.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostDisconnect;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import io.teleport.transport.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection is read while its dial or accept hooks run off the I/O thread, and may close or be
 * closed meanwhile: each test holds one side with latches at the point where the order once went
 * wrong.
 */
class HookRacesTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer peer(PeerConfig config, io.teleport.plugin.Plugin... plugins) {
        return peers.add(new Peer(config, plugins));
    }

    private static int port(Peer peer) {
        return ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
    }

    private static boolean aThreadWaitsToTakeASessionOutOfTheHub() {
        return Thread.getAllStackTraces().entrySet().stream().anyMatch(e -> e.getKey().getState() == Thread.State.BLOCKED
                && e.getValue().length > 0 && e.getValue()[0].getClassName().equals(SessionHub.class.getName())
                && e.getValue()[0].getMethodName().equals("remove"));
    }

    @Test
    void postDisconnectRunsAfterTheAcceptHooksOfAConnectionThatClosedWhileTheyRan() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        PostAccept slowAccept = session -> {
            await().atMost(Duration.ofSeconds(5)).until(() -> ((DefaultSession) session).isFinished());
            // The session ended here: a PostDisconnect not held for these hooks comes now, or never.
            try {
                await().atMost(Duration.ofSeconds(1)).until(() -> events.contains("disconnected"));
            } catch (org.awaitility.core.ConditionTimeoutException heldAsItShouldBe) {
                // as it should be
            }
            events.add("accepted");
            return null;
        };
        PostDisconnect disconnect = session -> events.add("disconnected");
        int port = port(peer(PeerConfig.defaults(), slowAccept, disconnect));

        // A health probe: connects and closes at once.
        new Socket(InetAddress.getLoopbackAddress(), port).close();

        await().until(() -> events.size() == 2);
        assertThat(events).containsExactly("accepted", "disconnected");
    }

    @Test
    void aDialsCallbackMayCloseItsSessionAndWaitForThat() throws Exception {
        int port = port(peer(PeerConfig.defaults()));
        AtomicInteger disconnects = new AtomicInteger();
        Peer client = peer(PeerConfig.defaults(), (PostDial) session -> null,
                (PostDisconnect) session -> disconnects.incrementAndGet());
        // The callback runs where the dial settles, on the thread that ran the dial hooks.
        CompletableFuture<Void> closedInCallback = client.dialAsync("127.0.0.1:" + port, null)
                .thenAccept(session -> session.close().join());
        assertThat(closedInCallback).succeedsWithin(Duration.ofSeconds(10));
        assertThat(disconnects).hasValue(1);
    }

    @Test
    void aSessionAcceptedWhileThePeerShutsDownAnswersThePullItReadDuringItsHooks() throws Exception {
        CountDownLatch hooksMayEnd = new CountDownLatch(1);
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch replyMayGo = new CountDownLatch(1);
        CompletableFuture<DefaultSession> accepted = new CompletableFuture<>();
        PostAccept heldAccept = session -> {
            try {
                hooksMayEnd.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        Peer server = peer(PeerConfig.defaults(), heldAccept);
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            accepted.complete((DefaultSession) ctx.session());
            handling.countDown();
            replyMayGo.await(10, TimeUnit.SECONDS);
            return body;
        });
        int port = port(server);
        Session client = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        CompletableFuture<String> reply = client.pullAsync("/slow", "late", String.class);
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

        // The shutdown begins (its drain not yet reached) while the accept hooks still run.
        DefaultSession session = accepted.get(5, TimeUnit.SECONDS);
        session.peer.markClosing(Duration.ofSeconds(10));
        hooksMayEnd.countDown();
        await().until(() -> !session.hooksRunning());
        replyMayGo.countDown();

        assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("late");
    }

    @Test
    void aPullOfARedialsDialHooksEndsWith102WhenThatConnectionCloses() {
        AtomicInteger joins = new AtomicInteger();
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/join", String.class, (body, ctx) -> {
            if (joins.incrementAndGet() > 1) {
                // A proxy with no healthy upstream: the connection closes with no reply.
                ((DefaultSession) ctx.session()).channel().close();
            }
            return "joined";
        });
        int port = port(server);
        List<Integer> codes = new CopyOnWriteArrayList<>();
        List<Long> tookMillis = new CopyOnWriteArrayList<>();
        PostDial join = session -> {
            long start = System.nanoTime();
            try {
                session.pull("/join", "me", String.class, CallOptions.timeout(Duration.ofSeconds(20)));
                return null;
            } catch (RerrorException e) {
                codes.add(e.code());
                tookMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                return e.rerror();
            }
        };
        AtomicInteger disconnects = new AtomicInteger();
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(200)).build(), join,
                (PostDisconnect) session -> disconnects.incrementAndGet());
        client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);

        ((DefaultSession) server.sessions().iterator().next()).channel().close();

        await().atMost(Duration.ofSeconds(15)).until(() -> !codes.isEmpty());
        assertThat(codes.get(0)).as("took %d ms", tookMillis.get(0)).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
        assertThat(tookMillis.get(0)).isLessThan(10_000);
        // The failed attempt's dial hooks ran, so its PostDisconnect does too, after the first connection's.
        await().until(() -> disconnects.get() >= 2);
    }

    @Test
    void aSessionClosedWhileARedialLooksUpItsAddressStaysClosedWhenThatAttemptConnects() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        Peer server = peer(PeerConfig.defaults(), (PostAccept) session -> {
            accepted.incrementAndGet();
            return null;
        });
        int port = port(server);
        AtomicInteger dialHooks = new AtomicInteger();
        AtomicInteger disconnectHooks = new AtomicInteger();
        Peer client = peer(PeerConfig.builder().network("tcp4").redialTimes(-1).redialInterval(Duration.ofMillis(20))
                .redialMaxInterval(Duration.ofMillis(100)).build(), (PostDial) session -> {
                    dialHooks.incrementAndGet();
                    return null;
                }, (PostDisconnect) session -> disconnectHooks.incrementAndGet());
        DefaultSession session = (DefaultSession) client.dial("localhost:" + port);
        PeerContext context = session.peer;
        CountDownLatch lookingUp = new CountDownLatch(1);
        CountDownLatch lookupMayEnd = new CountDownLatch(1);
        BiFunction<Network, String, SocketAddress> real = context.resolver;
        context.resolver = (network, address) -> {
            lookingUp.countDown();
            try {
                lookupMayEnd.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return real.apply(network, address);
        };
        await().until(() -> server.sessionCount() == 1);

        ((DefaultSession) server.sessions().iterator().next()).channel().close();
        assertThat(lookingUp.await(10, TimeUnit.SECONDS)).isTrue();
        session.close().get(5, TimeUnit.SECONDS);
        lookupMayEnd.countDown();

        // The attempt connects to the server all the same; the closed session must not take it.
        await().until(() -> accepted.get() == 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> !context.liveSessions().contains(session) && dialHooks.get() == disconnectHooks.get());
    }

    @Test
    void aSessionTakingAnotherOnesIdDoesNotWaitForThatOnesMonitor() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = port(server);
        Peer client = peer(PeerConfig.defaults());
        client.dial("127.0.0.1:" + port);
        client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 2);
        List<Session> accepted = List.copyOf(server.sessions());
        DefaultSession a = (DefaultSession) accepted.get(0);
        DefaultSession b = (DefaultSession) accepted.get(1);
        String taken = b.id();
        // Held as b's own rename would hold it: a taking b's id at the same instant must not wait for it,
        // or two sessions taking each other's ids would each wait for the other for ever.
        Thread rename = new Thread(() -> a.setId(taken));
        synchronized (b) {
            rename.start();
            rename.join(5000);
            assertThat(rename.getState()).isEqualTo(Thread.State.TERMINATED);
        }
        await().until(() -> server.sessionCount() == 1 && b.isFinished());
        assertThat(server.sessions()).singleElement().satisfies(s -> assertThat(s.id()).isEqualTo(taken))
                .isSameAs(a);
    }

    @Test
    void aSessionRenamedAsItClosesLeavesTheHub() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = port(server);
        Session client = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        DefaultSession accepted = (DefaultSession) server.sessions().iterator().next();
        SessionHub hub = accepted.peer.hub();
        Thread rename = new Thread(() -> accepted.setId("alice"));
        synchronized (hub) {
            client.close();
            // The I/O thread ends the session and waits for the hub, held here, to take it out.
            await().until(accepted::isFinished);
            await().until(HookRacesTest::aThreadWaitsToTakeASessionOutOfTheHub);
            rename.start();
            await().until(() -> rename.getState() == Thread.State.BLOCKED || rename.getState() == Thread.State.TERMINATED);
        }
        rename.join(5000);
        await().until(() -> server.sessionCount() == 0);
    }
}
