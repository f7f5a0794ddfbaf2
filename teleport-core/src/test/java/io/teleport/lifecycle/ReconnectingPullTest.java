package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.ReservedPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A pull made while the client redials, and never written, says so: 104, not a timeout. */
class ReconnectingPullTest {

    private final List<Peer> peers = new ArrayList<>();
    private ReservedPort reserved;

    @AfterEach
    void closeAll() throws IOException {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
        reserved.close();
    }

    private int reservePort() {
        reserved = new ReservedPort();
        return reserved.port();
    }

    private static PeerConfig sharingThePort() {
        return PeerConfig.builder().reusePort(true).build();
    }

    private Peer peer(PeerConfig config) {
        Peer peer = new Peer(config);
        peers.add(peer);
        return peer;
    }

    /** A client session, redialing every 50 to 100 ms, whose server on {@code port} has stopped. */
    private Session redialingAfterItsServerStopped(int port) {
        Peer first = peer(sharingThePort());
        first.listen("127.0.0.1:" + port, null);
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(100)).build());
        Session session = client.dial("127.0.0.1:" + port);
        // Accepted and served: a shutdown racing with the accept may leave the connection open.
        await().until(() -> first.sessionCount() == 1);
        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());
        return session;
    }

    @Test
    void aPullWhoseTimeoutPassesWhileRedialingEndsAsNotSentAndIsNeverSentLater() throws IOException {
        int port = reservePort();
        Session session = redialingAfterItsServerStopped(port);

        // Redialing a dead port: the pull waits for a connection that does not come.
        assertThatThrownBy(() -> session.pull("/hello", "early", String.class, CallOptions.timeout(Duration.ofMillis(300))))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().message()).isEqualTo("Write Failed");
                    assertThat(e.rerror().detail())
                            .isEqualTo("not sent: the session was still reconnecting when the pull's timeout of 300 ms passed");
                });

        Peer second = peer(sharingThePort());
        AtomicInteger handled = new AtomicInteger();
        second.pullRouter().route("/hello", String.class, (body, ctx) -> {
            handled.incrementAndGet();
            return body;
        });
        second.listen("127.0.0.1:" + port, null);
        await().until(session::isHealthy);
        assertThat(session.pull("/hello", "late", String.class)).isEqualTo("late");
        assertThat(handled).as("the pull given up as not sent stayed unsent").hasValue(1);
    }

    /** A pull sent late, after a redial, and then timed out says where its time went (new-user trial 18). */
    @Test
    void aPullSentAfterARedialThatThenTimesOutSaysItWaitedForTheReconnect() throws Exception {
        int port = reservePort();
        Session session = redialingAfterItsServerStopped(port);

        java.util.concurrent.CompletableFuture<String> pull = session.pullAsync("/slow", "x", String.class,
                CallOptions.timeout(Duration.ofMillis(1500))).toCompletableFuture();
        Peer second = peer(sharingThePort());
        second.pullRouter().route("/slow", String.class, (body, ctx) -> {
            Thread.sleep(3000);
            return body;
        });
        second.listen("127.0.0.1:" + port, null);
        assertThatThrownBy(pull::join).hasCauseInstanceOf(RerrorException.class).cause()
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(408);
                    assertThat(e.rerror().detail()).isEqualTo("no reply to /slow within 1500 ms (sent only once the"
                            + " session had reconnected, which took part of that time)");
                });
    }

    @Test
    void aPullWaitingForARedialThatFailsEndsAsNotSent() throws IOException {
        int port = reservePort();
        Peer server = peer(sharingThePort());
        server.listen("127.0.0.1:" + port, null);
        Peer client = peer(PeerConfig.builder().redialTimes(2).redialInterval(Duration.ofMillis(400)).build());
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        server.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());

        assertThatThrownBy(() -> session.pull("/hello", "x", String.class, CallOptions.timeout(Duration.ofSeconds(10))))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).isEqualTo("not sent: the session did not reconnect");
                });
        await().until(() -> session.closeFuture().isDone());
    }

    @Test
    void aPushWaitingForARedialLongerThanItsTimeoutEndsAsNotSentAndIsNeverSentLater() throws Exception {
        int port = reservePort();
        Peer first = peer(sharingThePort());
        first.listen("127.0.0.1:" + port, null);
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                .redialMaxInterval(Duration.ofMillis(100)).pullTimeout(Duration.ofMillis(400)).build());
        Session session = client.dial("127.0.0.1:" + port);
        await().until(() -> first.sessionCount() == 1);
        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());

        // Its own timeout, else the pull timeout: then it fails, and its frame is freed.
        java.util.concurrent.CompletableFuture<Void> own = session.push("/moves", "own", CallOptions.timeout(Duration.ofMillis(200)));
        java.util.concurrent.CompletableFuture<Void> byDefault = session.push("/moves", "default");
        assertThatThrownBy(() -> own.get(5, java.util.concurrent.TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(104);
                    assertThat(e.rerror().detail()).startsWith("not sent: the session was still reconnecting after 200 ms");
                });
        assertThatThrownBy(() -> byDefault.get(5, java.util.concurrent.TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .startsWith("not sent: the session was still reconnecting after 400 ms"));

        Peer second = peer(sharingThePort());
        java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        second.pushRouter().route("/moves", String.class, (body, ctx) -> {
            received.add(body);
        });
        second.listen("127.0.0.1:" + port, null);
        await().until(session::isHealthy);
        session.push("/moves", "late").get(5, java.util.concurrent.TimeUnit.SECONDS);
        await().until(() -> received.contains("late"));
        // Pushes of one session may run on several handler threads: a wrongly sent one could come after.
        await().during(Duration.ofMillis(300)).until(() -> received.size() == 1);
        assertThat(received).as("the pushes given up as not sent stayed unsent").containsExactly("late");
    }
}
