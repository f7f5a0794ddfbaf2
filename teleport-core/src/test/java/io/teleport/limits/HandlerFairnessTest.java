package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions take turns for handler threads: peers that keep a backlog of slow calls queued delay
 * another peer's call by about one call each, not by their whole backlog.
 */
class HandlerFairnessTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void stop() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    @Test
    void aCallWaitsForItsTurnNotBehindOtherSessionsBacklogs() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(4).build());
        server.pullRouter().route("/slow", String.class, (b, ctx) -> {
            Thread.sleep(100);
            return b;
        });
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        // Two sessions queue 60 calls of 100 ms each: 3 s of work for four threads.
        List<CompletableFuture<String>> backlog = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        for (int s = 0; s < 2; s++) {
            Session busy = peer(PeerConfig.defaults()).dial(address);
            for (int i = 0; i < 60; i++) {
                CompletableFuture<String> call = busy.pullAsync("/slow", "x", String.class,
                        CallOptions.timeout(Duration.ofSeconds(30)));
                call.thenRun(done::incrementAndGet);
                backlog.add(call);
            }
        }
        Session other = peer(PeerConfig.defaults()).dial(address);
        Thread.sleep(200);

        assertThat(other.pull("/fast", "x", String.class, CallOptions.timeout(Duration.ofSeconds(10)))).isEqualTo("x!");
        // Counted in calls, not in time (a busy machine's pauses would blur that): behind the backlogs
        // all 120 would have ended first; in turn, a few, until one of four threads was free.
        assertThat(done.get()).as("backlog calls that ended before the other session's").isLessThan(60);
        CompletableFuture.allOf(backlog.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aSessionWithNothingRunningTakesTheNextFreeThreadAheadOfTheBacklogsOfThoseHoldingThreads() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(4).build());
        AtomicInteger slowStarts = new AtomicInteger();
        server.pullRouter().route("/slow", String.class, (b, ctx) -> {
            slowStarts.incrementAndGet();
            Thread.sleep(60);
            return b;
        });
        server.pullRouter().route("/fast", Integer.class, (sentAt, ctx) -> slowStarts.get() - sentAt);
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        Session quiet = peer(PeerConfig.defaults()).dial(address);
        // Its first call pays for first uses (codecs, classes) that would count as waiting below.
        quiet.pull("/fast", 0, Integer.class);

        // Twelve sessions queue ten calls of 60 ms each: every thread is held for about 1.8 s.
        List<CompletableFuture<String>> backlog = new ArrayList<>();
        for (int s = 0; s < 12; s++) {
            Session busy = peer(PeerConfig.defaults()).dial(address);
            for (int i = 0; i < 10; i++) {
                backlog.add(busy.pullAsync("/slow", "x", String.class, CallOptions.timeout(Duration.ofSeconds(30))));
            }
        }
        // Until each backlog has had a call started: a session whose first call still waits has nothing
        // running either, and goes ahead as the quiet one does.
        org.awaitility.Awaitility.await().until(() -> slowStarts.get() >= 30);

        // Counted in calls, not in time: in turn, a call would wait for one call of each of the twelve
        // backlogs to start; ahead of them, for the next thread to come free.
        List<Integer> startedMeanwhile = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            startedMeanwhile.add(quiet.pull("/fast", slowStarts.get(), Integer.class,
                    CallOptions.timeout(Duration.ofSeconds(10))));
        }
        // In turn, every one would wait for about twelve. One of five may still: a pause of the whole JVM
        // (a collection, the compiler on a busy machine) while it is in flight counts the calls started then.
        assertThat(startedMeanwhile).as("backlog calls started while a quiet call waited")
                .filteredOn(n -> n <= 3).hasSizeGreaterThanOrEqualTo(4);
        CompletableFuture.allOf(backlog.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aFullQueueRefusesTheSessionsThatFillItNotOneWithNothingWaiting() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(2).handlerQueueCapacity(4).build());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.pullRouter().route("/slow", String.class, (b, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            return b;
        });
        server.pullRouter().route("/fast", String.class, (b, ctx) -> b + "!");
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        // One session holds both threads and fills the queue; its next call is refused (and it is not
        // read for a while).
        Session flooder = peer(PeerConfig.defaults()).dial(address);
        List<CompletableFuture<String>> flood = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            flood.add(flooder.pullAsync("/slow", "x", String.class, CallOptions.timeout(Duration.ofSeconds(20))));
        }
        org.awaitility.Awaitility.await().until(() -> server.stats().pullsRefused() >= 1);

        // Another session's call takes its turn, though the queue is full.
        Session quiet = peer(PeerConfig.defaults()).dial(address);
        CompletableFuture<String> call = quiet.pullAsync("/fast", "q", String.class, CallOptions.timeout(Duration.ofSeconds(20)));
        Thread.sleep(200);
        assertThat(call).as("queued, not refused").isNotDone();
        release.countDown();
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("q!");
        CompletableFuture.allOf(flood.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
                .get(20, TimeUnit.SECONDS);
        assertThat(flood).filteredOn(CompletableFuture::isCompletedExceptionally)
                .hasSize((int) server.stats().pullsRefused());
    }

    @Test
    void aSessionWhoseMessagesTheFullQueueRefusesIsReadNoMoreForAWhile() throws Exception {
        Peer server = peer(PeerConfig.builder().handlerThreads(1).handlerQueueCapacity(2).build());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger handled = new AtomicInteger();
        server.pushRouter().route("/slow", String.class, (b, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            handled.incrementAndGet();
        });
        String address = "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session flooder = peer(PeerConfig.defaults()).dial(address);
        for (int i = 0; i < 300; i++) {
            flooder.push("/slow", "x" + i);
        }
        // One runs, two wait; the next is refused, and then the session is not read for a while: about one
        // refusal per pause while the handler holds, not one per push sent.
        org.awaitility.Awaitility.await().until(() -> server.stats().pushesRefused() >= 1);
        Thread.sleep(500);
        assertThat(server.stats().pushesRefused()).as("back-pressure, not a refusal per push sent").isLessThan(50);

        release.countDown();
        // Read on as its own handlers finish: every push is handled or refused, none lost.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> handled.get() + server.stats().pushesRefused() == 300);
        assertThat(handled.get()).as("most of them handled once there was room").isGreaterThan(3);
    }
}
