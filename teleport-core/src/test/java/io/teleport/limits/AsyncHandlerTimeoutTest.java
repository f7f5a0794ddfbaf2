package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostWriteReply;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A pull whose handler returned a stage that does not complete in time is answered {@code 408} and
 * gives its place in the session's in-flight count back (new-user trial 12: a client's handlers that
 * never completed stopped its connection being read for good, its own pulls' replies included).
 */
class AsyncHandlerTimeoutTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final AtomicInteger repliesWritten = new AtomicInteger();

    private Session callerOf(PeerConfig config) {
        return callerOf(config, peers.add(new Peer(PeerConfig.defaults())));
    }

    private Session callerOf(PeerConfig config, Peer client) {
        PostWriteReply counting = ctx -> {
            repliesWritten.incrementAndGet();
            return null;
        };
        Peer server = peers.add(new Peer(config, counting));
        server.pullRouter().route("/never", String.class, (body, ctx) -> new CompletableFuture<String>());
        server.pullRouter().route("/late", String.class, (body, ctx) ->
                CompletableFuture.supplyAsync(() -> "late " + body, CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS)));
        server.pullRouter().route("/ok", String.class, (body, ctx) -> "ok " + body);
        // Minimal stages, which throw when asked whether they are done.
        server.pullRouter().route("/ready", String.class, (body, ctx) -> CompletableFuture.completedStage("ready " + body));
        server.pullRouter().route("/refused", String.class, (body, ctx) ->
                CompletableFuture.failedStage(new RerrorException(1409, "Conflict", "taken: " + body)));
        this.server = server;
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return client.dial("127.0.0.1:" + port);
    }

    private Peer server;

    @Test
    void stagesThatNeverCompleteAreAnswered408AndTheSessionIsReadOn() {
        // Two in flight stop the session being read: without the bound, the third pull would never be read.
        Session caller = callerOf(PeerConfig.builder().asyncHandlerTimeout(Duration.ofMillis(300))
                .limits(Limits.builder().maxInflightPerSession(2).build()).build());
        List<CompletableFuture<String>> stuck = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            stuck.add(caller.pullAsync("/never", "x" + i, String.class, CallOptions.timeout(Duration.ofSeconds(20))));
        }
        assertThat(caller.pull("/ok", "then", String.class, CallOptions.timeout(Duration.ofSeconds(20))))
                .isEqualTo("ok then");
        for (CompletableFuture<String> pull : stuck) {
            assertThatThrownBy(pull::join).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        Rerror r = e.rerror();
                        assertThat(r.code()).isEqualTo(408);
                        assertThat(r.message()).isEqualTo("Handle Timeout");
                        assertThat(r.detail()).isEqualTo("the handler did not complete its reply within 300 ms");
                    });
        }
        assertThat(server.stats().asyncHandlerTimeouts()).isEqualTo(5);
        assertThat(server.stats().toString()).contains("asyncHandlerTimeouts=5");
    }

    @Test
    void aStageThatCompletesAfterItsTimeIsUpIsNotAnsweredTwice() throws InterruptedException {
        Session caller = callerOf(PeerConfig.builder().asyncHandlerTimeout(Duration.ofMillis(200)).build());
        RerrorException late = (RerrorException) assertThatThrownBy(() -> caller.pull("/late", "a", String.class))
                .isInstanceOf(RerrorException.class).actual();
        assertThat(late.code()).isEqualTo(408);
        // The stage completes about 800 ms after the 408 went: its value has nowhere to go.
        Thread.sleep(1_500);
        assertThat(caller.pull("/ok", "b", String.class)).isEqualTo("ok b");
        await().atMost(Duration.ofSeconds(5)).until(() -> repliesWritten.get() == 2);
        Thread.sleep(200);
        assertThat(repliesWritten).as("the 408 and /ok, nothing for the late stage").hasValue(2);
    }

    /** A second review: asking a minimal stage whether it is done throws, and the pull was answered 500. */
    @Test
    void stagesDoneAlreadyAnswerAtOnceMinimalOnesIncluded() {
        Session caller = callerOf(PeerConfig.defaults());
        assertThat(caller.pull("/ready", "a", String.class)).isEqualTo("ready a");
        assertThatThrownBy(() -> caller.pull("/refused", "b", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror())
                        .isEqualTo(new Rerror(1409, "Conflict", "taken: b")));
        assertThat(server.stats().asyncHandlerTimeouts()).isZero();
    }

    /**
     * Pulls whose stages never complete, of a connection that closed: they end with it, and what they held
     * of the peer's inbound budget comes back at once, not at the deadline (hostile round 12: four such
     * connections held the budget for a minute and stalled every other client).
     */
    @Test
    void theStuckPullsOfAClosedConnectionGiveTheirBytesBackAtOnce() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        Session caller = callerOf(PeerConfig.defaults(), client);
        String big = "x".repeat(100_000);
        for (int i = 0; i < 8; i++) {
            caller.pullAsync("/never", big, String.class);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().inboundBytes() > 700_000);
        // Cut, as a client that goes away does.
        ((io.teleport.internal.session.DefaultSession) caller).channel().close();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().inboundBytes() == 0);
        assertThat(server.stats().asyncHandlerTimeouts()).as("no deadline passed").isZero();
    }

    @Test
    void zeroLeavesStagesUnbounded() {
        Session caller = callerOf(PeerConfig.builder().asyncHandlerTimeout(Duration.ZERO).build());
        assertThat(caller.pull("/late", "c", String.class)).isEqualTo("late c");
        assertThatThrownBy(() -> caller.pull("/never", "d", String.class, CallOptions.timeout(Duration.ofMillis(1_500))))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().message())
                        .as("the caller's own timeout, not the handler's").isNotEqualTo("Handle Timeout"));
        assertThat(server.stats().asyncHandlerTimeouts()).isZero();
    }
}
