package io.teleport.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A handler that lets the failure of a call of its own through: its caller must not be told that its
 * own pull was not sent ({@code 104}), never dialed ({@code 105}) or cut off ({@code 102}), which a
 * caller may send again, when the handler ran. A remote's own error passes through as it was chosen,
 * and a caller can tell an error the remote answered from one this side ended the call with.
 */
class PassedOnCallFailureTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer backend;
    private Peer gateway;
    private Session caller;

    private void start() {
        backend = peers.add(new Peer(PeerConfig.builder().build()));
        backend.pullRouter().route("/refuse", String.class, (body, ctx) -> {
            throw new RerrorException(1403, "Forbidden", "not for " + body);
        });
        String backendAddress = "127.0.0.1:" + ((InetSocketAddress) backend.listen("127.0.0.1:0", null)).getPort();

        gateway = peers.add(new Peer(PeerConfig.builder().build()));
        gateway.pullRouter().route("/closed", String.class, (body, ctx) -> {
            Session toBackend = gateway.dial(backendAddress);
            toBackend.close();
            return toBackend.pull("/refuse", body, String.class);
        });
        gateway.pullRouter().route("/undialable", String.class, (body, ctx) -> {
            gateway.dial(closedPort());
            return "dialed";
        });
        gateway.pullRouter().route("/joined", String.class, (body, ctx) -> {
            Session toBackend = gateway.dial(backendAddress);
            toBackend.close();
            // The pull's failure comes wrapped in a CompletionException.
            return toBackend.pullAsync("/refuse", body, String.class).join();
        });
        backend.pullRouter().route("/slow", String.class, (body, ctx) -> {
            Thread.sleep(1000);
            return body;
        });
        gateway.pullRouter().route("/timed-out", String.class, (body, ctx) -> gateway.dial(backendAddress)
                .pull("/slow", body, String.class, io.teleport.session.CallOptions.timeout(java.time.Duration.ofMillis(100))));
        gateway.pullRouter().route("/remote-error", String.class, (body, ctx) ->
                gateway.dial(backendAddress).pull("/refuse", body, String.class));
        int port = ((InetSocketAddress) gateway.listen("127.0.0.1:0", null)).getPort();
        caller = peers.add(new Peer(PeerConfig.builder().build())).dial("127.0.0.1:" + port);
    }

    private static String closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aHandlerPassingOnItsOwnCallsNotSentOrUndialedFailureAnswers502() {
        start();
        RerrorException closed = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/closed", "a", String.class));
        assertThat(closed.code()).isEqualTo(Rerror.CODE_BAD_GATEWAY);
        assertThat(closed.rerror().message()).isEqualTo("Bad Gateway");
        assertThat(closed.rerror().detail()).startsWith("a call the handler made failed: 104 Write Failed");
        assertThat(closed.fromReply()).as("the gateway answered it").isTrue();

        RerrorException undialable = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/undialable", "a", String.class));
        assertThat(undialable.code()).isEqualTo(Rerror.CODE_BAD_GATEWAY);
        assertThat(undialable.rerror().detail()).startsWith("a call the handler made failed: 105 Dial Failed");
    }

    /** A backend too slow for the mid-tier is not the mid-tier too slow for its caller (new-user trial 14). */
    @Test
    void aHandlerPassingOnItsOwnCallsTimeoutAnswers502NotTheCallersOwn408() {
        start();
        RerrorException timedOut = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/timed-out", "a", String.class));
        assertThat(timedOut.code()).isEqualTo(Rerror.CODE_BAD_GATEWAY);
        assertThat(timedOut.rerror().detail()).startsWith("a call the handler made failed: 408 Pull Timeout");
    }

    @Test
    void aJoinedPullsFailureIsAnAnswerNotABug() {
        start();
        RerrorException joined = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/joined", "a", String.class));
        assertThat(joined.code()).as("not 500: the CompletionException wraps an answer").isEqualTo(502);
        assertThat(joined.rerror().detail()).startsWith("a call the handler made failed: 104");
    }

    @Test
    void aRemotesOwnErrorPassesThroughAndIsToldApartFromThisSidesFailures() throws Exception {
        start();
        RerrorException passed = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/remote-error", "a", String.class));
        assertThat(passed.rerror()).isEqualTo(new Rerror(1403, "Forbidden", "not for a"));
        assertThat(passed.fromReply()).isTrue();

        ExecutionException async = catchThrowableOfType(ExecutionException.class,
                () -> caller.pullAsync("/remote-error", "b", String.class).get(10, TimeUnit.SECONDS));
        assertThat(((RerrorException) async.getCause()).fromReply()).isTrue();

        caller.close();
        RerrorException unsent = catchThrowableOfType(RerrorException.class,
                () -> caller.pull("/remote-error", "c", String.class));
        assertThat(unsent.code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
        assertThat(unsent.fromReply()).as("this side ended it").isFalse();
        assertThatThrownBy(() -> { throw new RerrorException(1403, "Forbidden", ""); })
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.fromReply()).isFalse());
        assertThat(RerrorException.replied(Rerror.of(104, "Write Failed")).fromReply()).isTrue();
    }

    @Test
    void aReplyHookThatAnswersANotSentCodeAnswers502Too() {
        Peer server = peers.add(new Peer(PeerConfig.builder().build(), (io.teleport.plugin.PreWriteReply) ctx ->
                // A hook that audits each reply with a call of its own, and passes on its failure.
                new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", "audit log unreachable")));
        server.pullRouter().route("/ok", String.class, (body, ctx) -> "ran");
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        RerrorException e = catchThrowableOfType(RerrorException.class,
                () -> peers.add(new Peer(PeerConfig.builder().build())).dial("127.0.0.1:" + port).pull("/ok", "a", String.class));
        assertThat(e.rerror()).isEqualTo(new Rerror(502, "Bad Gateway",
                "a call the handler made failed: 104 Write Failed: audit log unreachable"));
    }
}
