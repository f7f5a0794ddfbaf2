package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A drain's last replies reach a remote that keeps sending: the connection's output is shut after
 * them and what still comes in is dropped, where closing the socket with unread bytes reset the
 * connection and lost replies on their way.
 */
class DrainCloseTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /** Five rounds: whether a reset overtakes the last replies depends on timing, each round about half the time. */
    @Test
    void pullsHandledDuringTheDrainGetTheirRepliesWhileTheCallerKeepsSending() throws Exception {
        for (int round = 0; round < 5; round++) {
            drainWhileTheCallerSends(round);
        }
    }

    private void drainWhileTheCallerSends(int round) throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch handling = new CountDownLatch(8);
        AtomicInteger handled = new AtomicInteger();
        server.pullRouter().route("/work", Integer.class, (n, ctx) -> {
            handling.countDown();
            Thread.sleep(300);
            handled.incrementAndGet();
            return n * 2;
        });
        server.pushRouter().route("/noise", String.class, (body, ctx) -> { });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);

        List<CompletableFuture<Integer>> work = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            work.add(client.pullAsync("/work", i, Integer.class, CallOptions.timeout(Duration.ofSeconds(10))));
        }
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();
        // The caller keeps sending while the drain waits and closes: its bytes are unread at the close.
        AtomicBoolean noisy = new AtomicBoolean(true);
        String noise = "n".repeat(8192);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread sender = new Thread(() -> {
                while (noisy.get() && client.isHealthy()) {
                    client.push("/noise", noise).exceptionally(e -> null).join();
                }
            });
            sender.start();
            senders.add(sender);
        }
        try {
            server.shutdown(Duration.ofSeconds(5));
        } finally {
            noisy.set(false);
            for (Thread sender : senders) {
                sender.join(5000);
            }
        }

        assertThat(handled.get()).as("the drain waited for every handler").isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            try {
                assertThat(work.get(i).get(5, TimeUnit.SECONDS)).as("reply %d", i).isEqualTo(i * 2);
            } catch (ExecutionException e) {
                Rerror rerror = ((RerrorException) e.getCause()).rerror();
                throw new AssertionError("round " + round + ": pull " + i + " was handled, yet ended " + rerror, e);
            }
        }
    }

    /**
     * A caller that saw the drain's 503 knows the rest of its pulls on that connection were never run
     * there: those the close cuts off end with 104, safe to send again, not 102.
     */
    @Test
    void pullsWrittenAfterADrainRefusalCameBackAreNotHandledAndEndSo() throws Exception {
        // That a pull is on its way when the close comes is a race the callers usually win at once; on a
        // loaded machine one drain can end between their pulls (seen once), so up to five drains.
        int cutOff = 0;
        for (int drain = 0; drain < 5 && cutOff == 0; drain++) {
            cutOff = drainWhileCallersPullOneAtATime();
        }
        assertThat(cutOff).as("pulls cut off by the close after their caller saw a 503").isPositive();
    }

    /** Runs one drain while eight callers pull; returns how many pulls written after a 503 the close cut off. */
    private int drainWhileCallersPullOneAtATime() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch holding = new CountDownLatch(1);
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            holding.countDown();
            Thread.sleep(400);
            return body;
        });
        server.pullRouter().route("/fast", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        CompletableFuture<String> held = client.pullAsync("/hold", "h", String.class);
        assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();

        // Each caller pulls one at a time: once it has seen a 503, its next pulls were written after it came.
        List<String> wrongAfterRefusal = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger cutOff = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread caller = new Thread(() -> {
                boolean refused = false;
                while (running.get() && client.isHealthy()) {
                    try {
                        client.pull("/fast", "x", String.class, CallOptions.timeout(Duration.ofSeconds(5)));
                    } catch (RerrorException e) {
                        if (refused && e.code() != Rerror.CODE_UNAVAILABLE) {
                            if (e.code() == Rerror.CODE_WRITE_FAILED) {
                                cutOff.incrementAndGet();
                            } else {
                                wrongAfterRefusal.add(e.rerror().toString());
                            }
                        }
                        refused |= e.code() == Rerror.CODE_UNAVAILABLE;
                    }
                }
            });
            caller.start();
            callers.add(caller);
        }
        Thread.sleep(50);
        server.shutdown(Duration.ofSeconds(5));
        running.set(false);
        for (Thread caller : callers) {
            caller.join(5000);
        }

        assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo("h");
        assertThat(wrongAfterRefusal).as("pulls written after a 503 came back, told anything but 503 or 104").isEmpty();
        return cutOff.get();
    }

    /**
     * A handler's own 503 "shutting down", or one a proxy passes on with its backend's metadata (the
     * drain's mark naming the proxy's connection, not the caller's), is no drain: what runs after it
     * may end 102.
     */
    @Test
    void aHandlersOwnShuttingDownRefusalSaysNothingOfThePullsAfterIt() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.pullRouter().route("/refuse", String.class, (body, ctx) -> {
            ctx.replyMeta().set("X-Teleport-Draining", "10.9.8.7:6543");
            throw new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable",
                    Rerror.DETAIL_SHUTTING_DOWN));
        });
        server.pullRouter().route("/run", String.class, (body, ctx) -> {
            running.countDown();
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session client = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);
        try {
            client.pull("/refuse", "x", String.class);
            throw new AssertionError("refused");
        } catch (RerrorException e) {
            assertThat(e.code()).isEqualTo(Rerror.CODE_UNAVAILABLE);
        }
        CompletableFuture<String> ran = client.pullAsync("/run", "y", String.class);
        assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
        server.sessions().forEach(s -> s.dropConnection("test"));
        try {
            ran.get(5, TimeUnit.SECONDS);
            throw new AssertionError("the connection was dropped under it");
        } catch (ExecutionException e) {
            assertThat(((RerrorException) e.getCause()).code()).as("it ran: its outcome is unknown")
                    .isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
        } finally {
            release.countDown();
        }
    }
}
