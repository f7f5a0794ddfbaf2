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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        CountDownLatch attached = new CountDownLatch(1);
        Peer client = peer(PeerConfig.defaults(), (PostDial) session -> {
            // The callback below is attached before the dial settles, so that it runs where it settles.
            try {
                attached.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }, (PostDisconnect) session -> disconnects.incrementAndGet());
        Thread test = Thread.currentThread();
        CompletableFuture<Thread> closedInCallback = client.dialAsync("127.0.0.1:" + port, null)
                .thenApply(session -> {
                    session.close().join();
                    return Thread.currentThread();
                });
        attached.countDown();
        assertThat(closedInCallback).succeedsWithin(Duration.ofSeconds(10)).isNotSameAs(test);
        await().until(() -> disconnects.get() == 1);
    }

    @ParameterizedTest(name = "with a PostDisconnect plugin: {0}")
    @ValueSource(booleans = {true, false})
    void anAcceptHookMayCloseItsSessionAndWaitForThat(boolean withPostDisconnect) {
        AtomicInteger disconnects = new AtomicInteger();
        CompletableFuture<Void> hookReturned = new CompletableFuture<>();
        PostAccept closesAndWaits = session -> {
            session.close().join();
            hookReturned.complete(null);
            return null;
        };
        PostDisconnect counts = session -> disconnects.incrementAndGet();
        // One handler thread, which the hook holds: the close future must complete without it.
        PeerConfig oneThread = PeerConfig.builder().handlerThreads(1).build();
        int port = port(withPostDisconnect ? peer(oneThread, closesAndWaits, counts) : peer(oneThread, closesAndWaits));
        peer(PeerConfig.defaults()).dialAsync("127.0.0.1:" + port, null);
        assertThat(hookReturned).succeedsWithin(Duration.ofSeconds(10));
        await().until(() -> disconnects.get() == (withPostDisconnect ? 1 : 0));
    }

    @Test
    void aDialCallbackThatPullsWhileItsSessionRedialsDoesNotHoldTheRedialUp() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/hello", String.class, (body, ctx) -> "hi");
        int port = port(server);
        CountDownLatch attached = new CountDownLatch(1);
        CountDownLatch lost = new CountDownLatch(1);
        AtomicInteger dials = new AtomicInteger();
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(200)).build(), (PostDial) session -> {
                    if (dials.incrementAndGet() == 1) {
                        // The callback below is attached before the dial settles, so that it runs where it settles.
                        waitFor(attached);
                    }
                    return null;
                }, (PostDisconnect) session -> lost.countDown());
        CountDownLatch broken = new CountDownLatch(1);
        CompletableFuture<String> pulled = client.dialAsync("127.0.0.1:" + port, null).thenApply(session -> {
            waitFor(broken);
            return session.pull("/hello", "", String.class, CallOptions.timeout(Duration.ofSeconds(20)));
        });
        attached.countDown();
        await().until(() -> server.sessionCount() == 1);

        ((DefaultSession) server.sessions().iterator().next()).channel().close();
        assertThat(lost.await(10, TimeUnit.SECONDS)).isTrue();
        broken.countDown();

        // The pull waits for the reconnection, whose dial hooks must not wait for the callback.
        assertThat(pulled).succeedsWithin(Duration.ofSeconds(10)).isEqualTo("hi");
        assertThat(dials).hasValueGreaterThanOrEqualTo(2);
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDialHookMayCloseItsSessionAndWaitForThat() {
        int port = port(peer(PeerConfig.defaults()));
        AtomicInteger disconnects = new AtomicInteger();
        Peer client = peer(PeerConfig.defaults(), (PostDial) session -> {
            session.close().join();
            return null;
        }, (PostDisconnect) session -> disconnects.incrementAndGet());
        assertThat(client.dialAsync("127.0.0.1:" + port, null)).failsWithin(Duration.ofSeconds(10));
        await().until(() -> disconnects.get() == 1);
    }

    @Test
    void aSessionAcceptedWhileThePeerShutsDownAnswersThePullItReadDuringItsHooks() throws Exception {
        assertThat(pullReadDuringHooksAsThePeerShutsDown(Duration.ofSeconds(10), Duration.ZERO)).succeedsWithin(
                Duration.ofSeconds(10)).isEqualTo("late");
    }

    @Test
    void aSessionAcceptedWhileThePeerShutsDownIsClosedWithinWhatIsLeftOfTheDrainsTime() throws Exception {
        // Its handler outlasts the drain's 500 ms: the connection closes at the drain's deadline, not at a
        // shutdown timeout of its own (15 s by default).
        assertThat(pullReadDuringHooksAsThePeerShutsDown(Duration.ofMillis(500), Duration.ofSeconds(20)))
                .failsWithin(Duration.ofSeconds(10)).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(102));
    }

    /** A pull read while the server's accept hooks are held, and the peer marked closing meanwhile. */
    private CompletableFuture<String> pullReadDuringHooksAsThePeerShutsDown(Duration drainTime, Duration handlerTime)
            throws Exception {
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
            Thread.sleep(handlerTime.toMillis());
            return body;
        });
        int port = port(server);
        Session client = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        CompletableFuture<String> reply = client.pullAsync("/slow", "late", String.class);
        assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();

        // The shutdown begins (its drain not yet reached) while the accept hooks still run.
        DefaultSession session = accepted.get(5, TimeUnit.SECONDS);
        session.peer.markClosing(drainTime);
        hooksMayEnd.countDown();
        await().until(() -> !session.hooksRunning());
        replyMayGo.countDown();
        return reply;
    }

    @Test
    void aPullOfARedialsDialHooksEndsWith102WhenThatConnectionCloses() throws Exception {
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
        List<String> hooks = new CopyOnWriteArrayList<>();
        PostDial join = session -> {
            hooks.add("dial");
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
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(200)).build(), join,
                (PostDisconnect) session -> hooks.add("disconnect"));
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);

        ((DefaultSession) server.sessions().iterator().next()).channel().close();

        await().atMost(Duration.ofSeconds(15)).until(() -> !codes.isEmpty());
        assertThat(codes.get(0)).as("took %d ms", tookMillis.get(0)).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
        assertThat(tookMillis.get(0)).isLessThan(10_000);
        // The failed attempts' dial hooks ran, so their PostDisconnects do too, each in its turn; the
        // close future completes after the last.
        await().until(() -> hooks.size() >= 6);
        session.close().get(10, TimeUnit.SECONDS);
        // The close future may come before the last attempt's PostDisconnect, which waits for its hooks.
        await().until(() -> hooks.size() % 2 == 0);
        List<String> seen = List.copyOf(hooks);
        assertThat(seen).hasSizeGreaterThanOrEqualTo(6).hasSize(seen.size() / 2 * 2);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("hook %d of %s", i, seen).isEqualTo(i % 2 == 0 ? "dial" : "disconnect");
        }
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
        Thread takesA = new Thread(() -> {
            synchronized (a) {
                a.id();
            }
        });
        synchronized (b) {
            rename.start();
            // It closes b, so it waits for b's monitor here, but no longer holding a's.
            await().until(() -> rename.getState() == Thread.State.BLOCKED || !rename.isAlive());
            takesA.start();
            takesA.join(5000);
            assertThat(takesA.isAlive()).as("a's monitor held while waiting for b's").isFalse();
        }
        rename.join(5000);
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
