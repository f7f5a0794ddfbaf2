package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
 * While this side awaits replies on a session, the connection is read at its in-flight limit too, or
 * the replies would never come: a handler's nested call, or any pull of this side's (a heartbeat's
 * ping). Messages past the limit wait for room meanwhile, within twice the limit, and past that they
 * are refused: reading never stops for them while a reply is awaited.
 */
class NestedPullTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final int LIMIT = 4;

    /** A server with {@link #LIMIT} places in flight per session, threads to spare, and pulls that wait long. */
    private Peer limitedServer() {
        return peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxInflightPerSession(LIMIT).build())
                .pullTimeout(Duration.ofSeconds(20)).handlerThreads(16).build()));
    }

    @Test
    void nestedPullsAtTheInflightLimitGetTheirRepliesWhatIsPastItWaitsAndPastTwiceItIsRefused() throws Exception {
        Peer server = limitedServer();
        CountDownLatch allIn = new CountDownLatch(LIMIT);
        AtomicInteger handled = new AtomicInteger();
        server.pullRouter().route("/outer", String.class, (body, ctx) -> {
            handled.incrementAndGet();
            allIn.countDown();
            // Every slot taken before any handler pulls back: reading has stopped for the limit.
            allIn.await(5, TimeUnit.SECONDS);
            return "outer " + ctx.session().pull("/inner", body, String.class);
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(20)).build()));
        client.pullRouter().route("/inner", String.class, (body, ctx) -> "inner " + body);
        Session session = client.dial("127.0.0.1:" + port);

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 3 * LIMIT; i++) {
            calls.add(session.pullAsync("/outer", "x" + i, String.class));
        }
        int replied = 0;
        int refused = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                // Far below the pull timeout: a stalled connection would end these with 408 only after it.
                assertThat(calls.get(i).get(8, TimeUnit.SECONDS)).isEqualTo("outer inner x" + i);
                replied++;
            } catch (java.util.concurrent.ExecutionException e) {
                RerrorException error = (RerrorException) e.getCause();
                assertThat(error.code()).isEqualTo(503);
                assertThat(error.rerror().detail()).isEqualTo("too many messages in flight on this session");
                refused++;
            }
        }
        assertThat(replied).as("those within the limit and those that waited").isGreaterThanOrEqualTo(2 * LIMIT);
        assertThat(replied + refused).isEqualTo(3 * LIMIT);
        assertThat(handled).as("refused ones never reach a handler").hasValue(replied);
        assertThat(server.stats().pullsRefused()).isEqualTo(refused);
        // Nothing is held: the session serves as before, and its slots are all free again.
        assertThat(session.pull("/outer", "y", String.class, io.teleport.session.CallOptions.timeout(Duration.ofSeconds(8))))
                .isEqualTo("outer inner y");
    }

    @Test
    void aPullOfThisSideThatNoHandlerAwaitsLeavesBackPressureAsItWasAndLosesNoPush() throws Exception {
        Peer server = limitedServer();
        CountDownLatch slow = new CountDownLatch(1);
        AtomicInteger pushes = new AtomicInteger();
        server.pushRouter().route("/note", String.class, (body, ctx) -> {
            slow.await(10, TimeUnit.SECONDS);
            pushes.incrementAndGet();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch statusAsked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        client.pullRouter().route("/status", String.class, (body, ctx) -> {
            statusAsked.countDown();
            answer.await(10, TimeUnit.SECONDS);
            return "ok";
        });
        Session session = client.dial("127.0.0.1:" + port);
        org.awaitility.Awaitility.await().until(() -> server.sessions().size() == 1);
        // The server's own pull to the client, from no handler: it awaits a reply, but nothing here waits for it.
        CompletableFuture<String> status = server.sessions().iterator().next().pullAsync("/status", "", String.class);
        assertThat(statusAsked.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 3 * LIMIT; i++) {
            session.push("/note", "n" + i).join();
        }
        Thread.sleep(200);
        slow.countDown();
        answer.countDown();
        assertThat(status.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        org.awaitility.Awaitility.await().until(() -> pushes.get() == 3 * LIMIT);
        assertThat(server.stats().pushesRefused()).isZero();
    }

    @Test
    void aPeerAtItsInflightLimitStillGetsTheRepliesToItsOwnPullsAndLosesNoPush() throws Exception {
        Peer server = limitedServer();
        CountDownLatch slow = new CountDownLatch(1);
        AtomicInteger pushes = new AtomicInteger();
        server.pushRouter().route("/note", String.class, (body, ctx) -> {
            slow.await(20, TimeUnit.SECONDS);
            pushes.incrementAndGet();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        client.pullRouter().route("/status", String.class, (body, ctx) -> "ok");
        Session session = client.dial("127.0.0.1:" + port);
        org.awaitility.Awaitility.await().until(() -> server.sessions().size() == 1);
        Session toClient = server.sessions().iterator().next();
        try {
            // Every place taken by pushes whose handlers wait: the server has stopped reading.
            for (int i = 0; i < LIMIT; i++) {
                session.push("/note", "n" + i).join();
            }
            org.awaitility.Awaitility.await().until(() -> server.stats().pausedSessions() == 1);
            // Its own pull is answered at once: it must be read, not time out.
            assertThat(toClient.pull("/status", "", String.class, io.teleport.session.CallOptions.timeout(Duration.ofSeconds(3))))
                    .isEqualTo("ok");
            // Pushes that come meanwhile wait for room rather than being dropped.
            for (int i = LIMIT; i < 2 * LIMIT; i++) {
                session.push("/note", "n" + i).join();
            }
            Thread.sleep(200);
        } finally {
            slow.countDown();
        }
        org.awaitility.Awaitility.await().until(() -> pushes.get() == 2 * LIMIT);
        assertThat(server.stats().pushesRefused()).isZero();
    }

    @Test
    void pushesPastTwiceTheLimitWhileHandlersAwaitNestedRepliesAreDroppedAndTheRepliesStillCome() throws Exception {
        Peer server = limitedServer();
        CountDownLatch allIn = new CountDownLatch(LIMIT);
        server.pullRouter().route("/outer", String.class, (body, ctx) -> {
            allIn.countDown();
            return "outer " + ctx.session().pull("/inner", body, String.class);
        });
        AtomicInteger notes = new AtomicInteger();
        server.pushRouter().route("/note", String.class, (body, ctx) -> notes.incrementAndGet());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(20)).build()));
        CountDownLatch answer = new CountDownLatch(1);
        client.pullRouter().route("/inner", String.class, (body, ctx) -> {
            answer.await(10, TimeUnit.SECONDS);
            return "inner " + body;
        });
        Session session = client.dial("127.0.0.1:" + port);

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            calls.add(session.pullAsync("/outer", "x" + i, String.class));
        }
        assertThat(allIn.await(5, TimeUnit.SECONDS)).isTrue();
        // Every place is held by a handler awaiting its nested reply; pushes come before those replies:
        // as many as the limit wait, and as many again are past twice it.
        for (int i = 0; i < 2 * LIMIT; i++) {
            session.push("/note", "n" + i).join();
        }
        Thread.sleep(200);
        answer.countDown();
        for (int i = 0; i < LIMIT; i++) {
            // Far below the pull timeout: replies held behind waiting pushes would come only after it.
            assertThat(calls.get(i).get(8, TimeUnit.SECONDS)).isEqualTo("outer inner x" + i);
        }
        assertThat(server.stats().pushesRefused()).as("past twice the limit, dropped and counted").isEqualTo(LIMIT);
        org.awaitility.Awaitility.await().until(() -> notes.get() == LIMIT);
        assertThat(server.stats().pausedSessions()).isZero();
    }

    @Test
    void messagesWaitingPastTheLimitAreHandledWhenTheHandlersBeforeThemMakeNestedCalls() throws Exception {
        Peer server = limitedServer();
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger nestedDone = new AtomicInteger();
        server.pushRouter().route("/note", String.class, (body, ctx) -> {
            go.await(10, TimeUnit.SECONDS);
            ctx.session().pull("/inner", body, String.class);
            nestedDone.incrementAndGet();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().pullTimeout(Duration.ofSeconds(20)).build()));
        client.pullRouter().route("/inner", String.class, (body, ctx) -> "inner " + body);
        CountDownLatch answer = new CountDownLatch(1);
        client.pullRouter().route("/status", String.class, (body, ctx) -> {
            answer.await(10, TimeUnit.SECONDS);
            return "ok";
        });
        Session session = client.dial("127.0.0.1:" + port);
        org.awaitility.Awaitility.await().until(() -> server.sessions().size() == 1);
        try {
            // A pull of the server's own is pending: at the limit it reads on, and what comes past it waits.
            CompletableFuture<String> status = server.sessions().iterator().next().pullAsync("/status", "", String.class);
            for (int i = 0; i < 2 * LIMIT; i++) {
                session.push("/note", "n" + i).join();
            }
            // Twice the limit, and still read: the running handlers now pull back (nested), and their
            // replies come in while the pushes behind them wait.
            go.countDown();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(8)).until(() -> nestedDone.get() == 2 * LIMIT);
            assertThat(server.stats().pushesRefused()).isZero();
            answer.countDown();
            assertThat(status.get(8, TimeUnit.SECONDS)).isEqualTo("ok");
        } finally {
            go.countDown();
            answer.countDown();
        }
    }

    @Test
    void aPeerThatReadsNoneOfItsRefusalsStopsBeingReadThoughAHandlerAwaitsItsReply() throws Exception {
        // A small socket buffer: the refusals fill it at once, and then wait in the connection.
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxInflightPerSession(LIMIT).build())
                .pullTimeout(Duration.ofSeconds(20)).handlerThreads(16).sendBufferSize(4096).build()));
        CountDownLatch in = new CountDownLatch(1);
        server.pullRouter().route("/outer", String.class, (body, ctx) -> {
            in.countDown();
            return ctx.session().pull("/inner", body, String.class);
        });
        server.pullRouter().route("/x", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        try (java.net.Socket hostile = new java.net.Socket()) {
            hostile.setReceiveBufferSize(4096);
            hostile.connect(new InetSocketAddress("127.0.0.1", port));
            java.io.OutputStream out = hostile.getOutputStream();
            out.write(io.teleport.testing.Frames.encode(new io.teleport.message.Packet(io.teleport.message.PacketType.PULL,
                    1, "/outer", null).bodyCodec((byte) 'j')));
            assertThat(in.await(5, TimeUnit.SECONDS)).isTrue();
            // It never answers the nested pull, reads nothing, and floods pulls past every limit.
            io.teleport.message.Packet flood = new io.teleport.message.Packet(io.teleport.message.PacketType.PULL, 2, "/x", null);
            flood.meta().set("k", "v".repeat(4096));
            byte[] frame = io.teleport.testing.Frames.encode(flood);
            Thread writer = new Thread(() -> {
                try {
                    while (true) {
                        out.write(frame);
                    }
                } catch (java.io.IOException closed) {
                    // The test is over.
                }
            }, "flood");
            writer.setDaemon(true);
            writer.start();
            // Its refusals, once the socket takes no more, hold their requests: then no more are read.
            long[] last = {-1};
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).until(() -> {
                long now = server.stats().pullsRefused();
                boolean still = now == last[0];
                last[0] = now;
                return still && now > 0;
            });
            assertThat(server.stats().pausedSessions()).isEqualTo(1);
            assertThat(server.sessionCount()).as("not closed for unread replies: it stopped being read first").isEqualTo(1);
            assertThat(server.stats().pullsRefused()).isLessThan(2_000);
        }
    }
}
