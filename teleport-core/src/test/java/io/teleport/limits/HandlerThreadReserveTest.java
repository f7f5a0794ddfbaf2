package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions whose handlers block for long cannot take the quarter more threads the pool keeps for the
 * others: another session's call still finds a thread, where turns alone would have it wait for a
 * blocked call to end.
 */
class HandlerThreadReserveTest {

    private final List<Peer> peers = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger blocked = new AtomicInteger();
    private final AtomicInteger mostBlocked = new AtomicInteger();
    private Peer server;

    @AfterEach
    void stop() {
        release.countDown();
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    /** A server of 16 threads (and 4 in reserve): a route that blocks until released, and one that answers at once. */
    private String server() throws Exception {
        server = peer(PeerConfig.builder().handlerThreads(16).build());
        server.pullRouter().route("/block", String.class, (b, ctx) -> {
            mostBlocked.accumulateAndGet(blocked.incrementAndGet(), Math::max);
            try {
                release.await(30, TimeUnit.SECONDS);
            } finally {
                blocked.decrementAndGet();
            }
            return b;
        });
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    private static List<CompletableFuture<String>> block(Session session, int calls) {
        List<CompletableFuture<String>> pending = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            pending.add(session.pullAsync("/block", "x", String.class, CallOptions.timeout(Duration.ofSeconds(30))));
        }
        return pending;
    }

    @Test
    void twoSessionsBlockingEveryThreadTheyGetLeaveAQuarterOfThemToOthers() throws Exception {
        String address = server();
        List<CompletableFuture<String>> pending = new ArrayList<>();
        // 40 blocking calls for 20 threads: enough to hold every one, without the reserve.
        pending.addAll(block(peer(PeerConfig.defaults()).dial(address), 20));
        pending.addAll(block(peer(PeerConfig.defaults()).dial(address), 20));
        // The pool grows while its threads are held up, the two sharing the 16 configured.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() >= 16);
        Thread.sleep(300);

        Session other = peer(PeerConfig.defaults()).dial(address);
        for (int i = 0; i < 5; i++) {
            assertThat(other.pull("/fast", "q" + i, String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                    .isEqualTo("q" + i + "!");
        }
        assertThat(pending).noneMatch(CompletableFuture::isDone);
        // Threads that take a task in the same instant each do so before the others' count.
        assertThat(mostBlocked.get()).as("blocking calls running at once").isBetween(16, 18);
        PeerStats stats = server.stats();
        assertThat(stats.handlersRunning()).as("the blocked handlers are what runs").isBetween(16, 18);
        assertThat(stats.handlersQueued()).as("the two sessions' other calls wait").isBetween(40 - 18, 40 - 16);
        assertThat(stats.handlerThreads()).as("the configured 16 and the reserve of 4 at most").isBetween(16, 20);

        release.countDown();
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
        assertThat(pending).allMatch(call -> "x".equals(call.join()));
    }

    @Test
    void aSessionMayHoldTheConfiguredThreadsAndItsOtherCallsRunAsThoseEnd() throws Exception {
        String address = server();
        List<CompletableFuture<String>> pending = block(peer(PeerConfig.defaults()).dial(address), 30);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> blocked.get() >= 16);
        Thread.sleep(300);
        assertThat(blocked.get()).isBetween(16, 18);

        // Sessions with nothing running each still get a thread of the reserve for a blocking call.
        List<CompletableFuture<String>> light = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            light.addAll(block(peer(PeerConfig.defaults()).dial(address), 1));
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> blocked.get() >= 19);

        release.countDown();
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
        CompletableFuture.allOf(light.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
    }
}
