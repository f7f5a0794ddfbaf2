package io.teleport.session;

import io.netty.util.NettyRuntime;
import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.RerrorException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ConcurrencyAndFailureTest {

    private final List<Peer> peers = new ArrayList<>();

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
    }

    private String listen(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @ParameterizedTest
    @EnumSource(HandlerExecution.class)
    void tenThousandPullsInFlightFromAHundredSessionsAreAllAnsweredCorrectly(HandlerExecution execution) {
        Peer server = peer(PeerConfig.builder().handlerExecution(execution).build());
        server.pullRouter().route("/math/square", Long.class, (n, ctx) -> Map.of("n", n, "square", n * n,
                "seq", ctx.seq()));
        String address = listen(server);
        Peer client = peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(60)).build());
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sessions.add(client.dial(address));
        }
        List<CompletableFuture<Map>> replies = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            replies.add(sessions.get(i % 100).pullAsync("/math/square", (long) i, Map.class));
        }
        CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).join();
        for (int i = 0; i < 10_000; i++) {
            Map<?, ?> reply = replies.get(i).join();
            assertThat(((Number) reply.get("n")).longValue()).isEqualTo(i);
            assertThat(((Number) reply.get("square")).longValue()).isEqualTo((long) i * i);
            assertThat(((Number) reply.get("seq")).longValue()).as("each session numbers its own pulls")
                    .isEqualTo(i / 100);
        }
        sessions.forEach(s -> assertThat(((DefaultSession) s).pendingPulls()).isZero());
    }

    @ParameterizedTest
    @EnumSource(HandlerExecution.class)
    void handlersRunWhereTheConfigurationSays(HandlerExecution execution) throws Exception {
        Peer server = peer(PeerConfig.builder().handlerExecution(execution).build());
        server.pullRouter().route("/where", String.class, (body, ctx) -> {
            Thread t = Thread.currentThread();
            boolean virtual;
            try {
                virtual = (Boolean) Thread.class.getMethod("isVirtual").invoke(t);
            } catch (NoSuchMethodException beforeJava21) {
                virtual = false;
            }
            return (virtual ? "virtual" : t.getName());
        });
        String where = peer(PeerConfig.defaults()).dial(listen(server)).pull("/where", "", String.class);
        switch (execution) {
            case INLINE:
                assertThat(where).startsWith("teleport-io");
                break;
            case VIRTUAL:
                if (Runtime.version().feature() >= 21) {
                    assertThat(where).isEqualTo("virtual");
                } else {
                    assertThat(where).as("falls back to the pool before Java 21").startsWith("teleport-handler");
                }
                break;
            default:
                assertThat(where).startsWith("teleport-handler");
        }
    }

    @Test
    void aConnectionKilledMidPullEndsEveryPendingPullWith102WithinASecond() throws Exception {
        Peer server = peer(PeerConfig.defaults());
        CountDownLatch arrived = new CountDownLatch(50);
        CountDownLatch release = new CountDownLatch(1);
        server.pullRouter().route("/hang", String.class, (body, ctx) -> {
            arrived.countDown();
            release.await(30, TimeUnit.SECONDS);
            return "too late";
        });
        String address = listen(server);
        Peer client = peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(30)).build());
        Session session = client.dial(address);
        List<CompletableFuture<String>> pulls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            pulls.add(session.pullAsync("/hang", "x", String.class));
        }
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

        await().until(() -> server.sessionCount() == 1);
        // Killed, not closed gracefully: the connection just goes away. A 102 (the pull timeout is 30 s)
        // shows the close ended them; no bound on the time, which a busy machine's pauses would blur.
        ((DefaultSession) server.sessions().iterator().next()).channel().close();
        for (CompletableFuture<String> pull : pulls) {
            assertThatThrownBy(() -> pull.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RerrorException.class)
                    .satisfies(e -> assertThat(((RerrorException) e.getCause()).code()).isEqualTo(102));
        }
        assertThat(((DefaultSession) session).pendingPulls()).isZero();
        assertThat(session.isHealthy()).isFalse();
        await().until(() -> client.sessionCount() == 0);
        release.countDown();
    }

    @Test
    void aFrameOverTheReadLimitClosesThatConnectionOnly() {
        Peer server = peer(PeerConfig.builder().readLimit(1024).build());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        String address = listen(server);
        Peer client = peer(PeerConfig.defaults());
        Session big = client.dial(address);
        Session small = client.dial(address);
        await().until(() -> server.sessionCount() == 2);

        assertThatThrownBy(() -> big.pull("/echo", "x".repeat(4096), String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(102));
        await().until(() -> !big.isHealthy());
        assertThat(small.pull("/echo", "fine", String.class)).isEqualTo("fine");
        await().until(() -> server.sessionCount() == 1);
    }

    @Test
    void aFrameOverTheLimitIsNotWritten() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        Peer client = peer(PeerConfig.builder().readLimit(1024).build());
        Session session = client.dial(listen(server));
        assertThatThrownBy(() -> session.pull("/echo", "x".repeat(4096), String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).startsWith("Size of package exceeds limit");
                });
        assertThat(session.isHealthy()).isTrue();
        assertThat(session.pull("/echo", "small", String.class)).isEqualTo("small");
    }

    @ParameterizedTest
    @EnumSource(value = HandlerExecution.class, names = {"POOL", "INLINE"})
    void asyncPullCallbacksRunOffTheIoThreadUnlessHandlersRunInline(HandlerExecution execution) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/later", String.class, (body, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        Session session = peer(PeerConfig.builder().handlerExecution(execution).build()).dial(listen(server));
        // The callback is attached before the reply can arrive: it runs where the peer completes the pull.
        CompletableFuture<String> where = session.pullAsync("/later", "x", String.class)
                .thenApply(reply -> Thread.currentThread().getName());
        release.countDown();
        assertThat(where.get(10, TimeUnit.SECONDS))
                .startsWith(execution == HandlerExecution.INLINE ? "teleport-io" : "teleport-handler");
    }

    @Test
    void handlersThatBlockAFewMillisecondsEachMakeThePoolGrowPastItsBase() throws Exception {
        // The pool starts with one thread per core as Netty counts them, at most its maximum: the
        // expectation follows the same rule, the maximum leaves room to grow on any machine, and the
        // work scales with the base so that it keeps the threads behind for the same time anywhere.
        int maxThreads = 2 * NettyRuntime.availableProcessors();
        int base = Math.min(maxThreads, NettyRuntime.availableProcessors());
        int pullCount = 200 * base;
        Set<String> threads = ConcurrentHashMap.newKeySet();
        // Room in the queue for every pull: a full queue would add threads whether or not they are held up.
        Peer server = peer(PeerConfig.builder().handlerThreads(maxThreads).handlerQueueCapacity(pullCount).build());
        server.pullRouter().route("/io", Integer.class, (n, ctx) -> {
            threads.add(Thread.currentThread().getName());
            Thread.sleep(3);
            return n;
        });
        String address = listen(server);
        Peer client = peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(60)).build());
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sessions.add(client.dial(address));
        }
        List<CompletableFuture<Integer>> pulls = new ArrayList<>();
        for (int i = 0; i < pullCount; i++) {
            pulls.add(sessions.get(i % 4).pullAsync("/io", i, Integer.class));
        }
        for (int i = 0; i < pullCount; i++) {
            assertThat(pulls.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
        }
        // Each thread keeps taking work, but too slowly for what waits: the pool adds threads.
        assertThat(threads.size()).isGreaterThan(base);
    }

    @Test
    void aSaturatedHandlerPoolRepliesWith503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Peer server = peer(PeerConfig.builder().handlerThreads(1).handlerQueueCapacity(1).build());
        server.pullRouter().route("/block", String.class, (body, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        Session session = peer(PeerConfig.defaults()).dial(listen(server));
        CompletableFuture<String> first = session.pullAsync("/block", "1", String.class);
        CompletableFuture<String> second = session.pullAsync("/block", "2", String.class);
        CompletableFuture<String> third = session.pullAsync("/block", "3", String.class);
        assertThatThrownBy(() -> third.get(5, TimeUnit.SECONDS))
                .satisfies(e -> assertThat(((RerrorException) e.getCause()).code()).isEqualTo(503));
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo("2");
    }

    @Test
    void aGracefulCloseBoundedByItsTimeoutEndsThisSidesPulls() {
        Peer server = peer(PeerConfig.defaults());
        server.pullRouter().route("/sleep", String.class, (body, ctx) -> {
            Thread.sleep(10_000);
            return body;
        });
        Peer client = peer(PeerConfig.defaults());
        Session session = client.dial(listen(server));
        CompletableFuture<String> pull = session.pullAsync("/sleep", "x", String.class);
        await().until(() -> server.sessionCount() == 1);
        client.shutdown(Duration.ofMillis(200));
        assertThatThrownBy(() -> pull.get(2, TimeUnit.SECONDS))
                .satisfies(e -> assertThat(((RerrorException) e.getCause()).code()).isEqualTo(102));
        await().until(() -> server.sessionCount() == 0);
        assertThatThrownBy(() -> client.dial("127.0.0.1:1")).isInstanceOf(IllegalStateException.class);
    }
}
