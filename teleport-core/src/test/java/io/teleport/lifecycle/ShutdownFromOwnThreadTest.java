package io.teleport.lifecycle;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A peer shut down from one of its own threads (a handler, a pull's callback) does not wait for that
 * very thread; and handlers a drain waits for learn that their session is closing when they try to
 * send more than their reply.
 */
class ShutdownFromOwnThreadTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture logs = LogCapture.of("io.teleport", Level.INFO);

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void aHandlerThatShutsItsPeerDownStillReplies() {
        Peer server = peers.add(new Peer(PeerConfig.builder().shutdownTimeout(Duration.ofSeconds(30)).build()));
        server.pullRouter().route("/stop", String.class, (body, ctx) -> {
            server.close();
            return "stopping";
        });
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(address(server));

        // Waiting in the handler would hold its reply until the 30 s drain gave up.
        assertThat(session.pull("/stop", "", String.class, CallOptions.timeout(Duration.ofSeconds(5))))
                .isEqualTo("stopping");
        assertThat(server.closeAsync()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(logs.lines("shutdown timed out")).isEmpty();
    }

    @Test
    void aPullsCallbackThatClosesItsPeerIsNeitherHeldNorInterrupted() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        java.util.concurrent.CountDownLatch attached = new java.util.concurrent.CountDownLatch(1);
        // Replies once the callback is attached: attached to a done future, it would run on this thread.
        server.pullRouter().route("/echo", String.class, (body, ctx) -> attached.await(5, TimeUnit.SECONDS) ? body : "late");
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        Session session = client.dial(address(server));
        CompletableFuture<String> thread = new CompletableFuture<>();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        session.pullAsync("/echo", "x", String.class).thenAccept(reply -> {
            thread.complete(Thread.currentThread().getName());
            client.close();
            interrupted.complete(Thread.currentThread().isInterrupted());
        });
        attached.countDown();

        assertThat(thread).succeedsWithin(Duration.ofSeconds(5)).asString().startsWith("teleport-");
        assertThat(interrupted).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(false);
        assertThat(client.closeAsync()).succeedsWithin(Duration.ofSeconds(5));
        assertThat(logs.lines("shutdown timed out")).isEmpty();
    }

    @Test
    void anInlinePeerClosedWhereItsPullTimedOutIsNotHeldByItsTimer() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/never", String.class, (body, ctx) -> new CompletableFuture<String>());
        Peer client = peers.add(new Peer(PeerConfig.builder()
                .handlerExecution(io.teleport.config.HandlerExecution.INLINE).build()));
        Session session = client.dial(address(server));
        CompletableFuture<String> thread = new CompletableFuture<>();
        // An inline peer completes a timed-out pull on its timer's thread, whose stop waits for it.
        // Long enough that the callback is attached before it ends, whatever the machine's pauses.
        session.pullAsync("/never", "", String.class, CallOptions.timeout(Duration.ofSeconds(1)))
                .whenComplete((reply, error) -> {
                    thread.complete(Thread.currentThread().getName());
                    client.close();
                });

        assertThat(thread).succeedsWithin(Duration.ofSeconds(5)).asString().startsWith("teleport-timer");
        assertThat(client.closeAsync()).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aHandlerInFlightDuringADrainHearsThatItsSessionIsClosing() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Throwable> pushed = new CompletableFuture<>();
        CompletableFuture<Session> handling = new CompletableFuture<>();
        server.pullRouter().route("/slow", String.class, (body, ctx) -> {
            handling.complete(ctx.session());
            started.countDown();
            release.await();
            ctx.session().push("/progress", "half way").whenComplete((ok, e) -> pushed.complete(e));
            return "done";
        });
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(address(server));
        CompletableFuture<String> pull = session.pullAsync("/slow", "", String.class);
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closed = server.closeAsync(Duration.ofSeconds(10));
        await().until(() -> !handling.join().isHealthy());
        release.countDown();

        assertThat(pull).succeedsWithin(Duration.ofSeconds(5)).isEqualTo("done");
        assertThat(pushed).succeedsWithin(Duration.ofSeconds(5)).isInstanceOfSatisfying(RerrorException.class,
                e -> assertThat(e.rerror().detail()).contains("closing"));
        assertThat(closed).succeedsWithin(Duration.ofSeconds(10));
    }
}
