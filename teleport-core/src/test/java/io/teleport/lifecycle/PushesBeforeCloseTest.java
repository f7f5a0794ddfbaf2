package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostDisconnect;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pushes received whole before their connection closed are handled, as Go's are, and the session's
 * PostDisconnect runs after them: a sender may push a reason and close at once (a kick), and a
 * presence list must not see a join after the leave of the same session.
 */
class PushesBeforeCloseTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void pushesSentJustBeforeACloseAreAllHandledAndThePostDisconnectComesAfterThem() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        PostDisconnect left = session -> events.add("disconnect");
        // One handler thread: the pushes wait in the queue while the close arrives.
        Peer server = peers.add(Peer.builder().configure(c -> c.handlerThreads(1)).plugin(left).build());
        server.pushRouter().route("/note", String.class, (note, ctx) -> {
            Thread.sleep(50);
            events.add(note);
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);

        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add("n" + i);
            session.push("/note", "n" + i).get(5, TimeUnit.SECONDS);
        }
        session.close().get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("disconnect"));
        List<String> expected = new ArrayList<>(sent);
        expected.add("disconnect");
        assertThat(events).containsExactlyElementsOf(expected);
        assertThat(server.stats().droppedClosed()).isZero();
    }

    @Test
    void aPostDisconnectWaitsForAHandlerThatOutlivesTheQueueWaitNoLongerThanThat() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        PostDisconnect left = session -> events.add("disconnect");
        Peer server = peers.add(Peer.builder().plugin(left)
                .configure(c -> c.limits(io.teleport.limits.Limits.builder().maxQueueWait(Duration.ofMillis(300)).build()))
                .build());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        server.pushRouter().route("/stuck", String.class, (note, ctx) -> {
            events.add("started");
            release.await(20, TimeUnit.SECONDS);
            events.add("ended");
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        try {
            session.push("/stuck", "x").get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("started"));
            session.close().get(5, TimeUnit.SECONDS);

            // Not for ever: past the queue wait it runs, the handler still running.
            await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("disconnect"));
            assertThat(events).containsExactly("started", "disconnect");
        } finally {
            release.countDown();
        }
    }

    /** Notes a dialed session's connections coming and going. */
    static final class Connections implements io.teleport.plugin.PostDial, PostDisconnect {
        final List<String> events;

        Connections(List<String> events) {
            this.events = events;
        }

        @Override
        public @org.jspecify.annotations.Nullable Rerror postDial(Session session) {
            events.add("dial");
            return null;
        }

        @Override
        public void postDisconnect(Session session) {
            events.add("disconnect");
        }
    }

    @Test
    void aRedialingSessionHandlesThePushesOfItsLostConnection()
            throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        List<String> events = new CopyOnWriteArrayList<>();
        Peer client = peers.add(Peer.builder().plugin(new Connections(events))
                .configure(c -> c.handlerThreads(1).redialTimes(-1).redialInterval(Duration.ofMillis(20))).build());
        client.pushRouter().route("/note", String.class, (note, ctx) -> {
            Thread.sleep(50);
            events.add(note);
        });
        Session session = client.dial("127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.sessions().size() == 1);
        Session toClient = server.sessions().iterator().next();
        for (int i = 0; i < 3; i++) {
            toClient.push("/note", "n" + i).get(5, TimeUnit.SECONDS);
        }
        // The server ends that connection: the client redials.
        toClient.close().get(5, TimeUnit.SECONDS);

        // Its handlers may wait for the redial: its PostDisconnect does not wait for them, nor the PostDial after it.
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 6 && session.isHealthy());
        assertThat(events).containsSubsequence("dial", "disconnect", "dial").containsSubsequence("n0", "n1", "n2");
        assertThat(client.stats().droppedClosed()).isZero();
    }

    @Test
    void handlersAShutdownDropsUnrunAreFinishedSoTheirBytesComeBackAndAPostDisconnectWaitingForThemRuns()
            throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        PostDisconnect left = session -> events.add("disconnect");
        Peer server = new Peer(PeerConfig.builder().handlerThreads(1).build(), left);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        server.pushRouter().route("/stuck", String.class, (note, ctx) -> {
            started.countDown();
            never.await();
        });
        try {
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
            // One handler thread: the first push holds it, the others queue behind it.
            for (int i = 0; i < 3; i++) {
                session.push("/stuck", "x".repeat(1000)).get(5, TimeUnit.SECONDS);
            }
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            session.close().get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.sessionCount() == 0);
            assertThat(events).as("waiting for its handlers").isEmpty();
            server.shutdown(Duration.ofMillis(100));
        } finally {
            never.countDown();
        }
        assertThat(server.stats().inboundBytes()).as("the queued pushes' bytes, given back").isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("disconnect"));
    }
}
