package io.teleport.plugins;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PreWriteReply;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.session.CallOptions;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.SilentServer;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class BuiltinPluginsTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    @RegisterExtension
    final LogCapture heartbeatLog = LogCapture.of(HeartbeatPlugin.class.getName(), Level.INFO);

    @RegisterExtension
    final LogCapture authLog = LogCapture.of(AuthPlugin.class.getName(), Level.INFO);

    private Peer peer(PeerConfig config, Plugin... plugins) {
        Peer peer = new Peer(config, plugins);
        peers.add(peer);
        return peer;
    }

    private static int port(Peer peer, String address) {
        return ((InetSocketAddress) peer.listen(address, null)).getPort();
    }

    private static AuthPlugin serverAuth() {
        return AuthPlugin.server(token -> token.equals("secret") ? null : new Rerror(401, "Unauthorized", "bad token"),
                Duration.ofSeconds(2));
    }

    private Peer authServer(String address) {
        Peer server = peer(PeerConfig.defaults(), serverAuth());
        server.pullRouter().route("/hello", String.class, (b, ctx) -> "hello " + b);
        port(server, address);
        return server;
    }

    @Test
    void aConnectionClosedBeforeItsHandshakeIsNotHeldForTheHandshakeTimeout() throws Exception {
        List<java.lang.ref.WeakReference<Session>> accepted = new CopyOnWriteArrayList<>();
        PostAccept watching = session -> {
            accepted.add(new java.lang.ref.WeakReference<>(session));
            return null;
        };
        Peer server = peer(PeerConfig.defaults(), AuthPlugin.server(token -> null, Duration.ofMinutes(10)), watching);
        int port = port(server, "127.0.0.1:0");
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoLinger(true, 0);
            }
        }
        await().until(() -> accepted.size() == 20 && server.sessions().isEmpty());
        // Closed: nothing of the peer's may keep them, the handshake's timer entry included (it did, for the
        // whole timeout: a peer opening and dropping connections fast filled a 256 MB heap with them).
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            return accepted.stream().allMatch(ref -> ref.get() == null);
        });
    }

    @Test
    void aRefusedTokenEndsEveryDialWithTheVerifiersCode() {
        int port = port(peer(PeerConfig.defaults(), serverAuth()), "127.0.0.1:0");
        Peer client = peer(PeerConfig.defaults(), AuthPlugin.client(() -> "wrong"));
        // The server closes the connection right after its 401: the dial's end must not race that close
        // into a 105 "connection closed before the session was ready" (it did, in about 1 dial in 100).
        for (int i = 0; i < 300; i++) {
            assertThatThrownBy(() -> client.dial("127.0.0.1:" + port)).as("dial %d", i)
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        }
    }

    @Test
    void aTokenRefusedWhileTheAcceptHooksStillRunIsAnsweredBeforeTheConnectionCloses() {
        // The connection is read while the accept hooks run. Here they end after the refusal's graceful
        // close began and before its 401 is written: their end must leave the connection to that close.
        CountDownLatch hooksEnded = new CountDownLatch(1);
        PostAccept untilClosing = session -> {
            await().atMost(Duration.ofSeconds(5)).until(() -> !session.isHealthy());
            hooksEnded.countDown();
            return null;
        };
        // Before the auth plugin in the chain: the plugins after it do not see its handshake.
        PreWriteReply afterTheHooks = ctx -> {
            try {
                hooksEnded.await(5, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(5)).until(() -> !((DefaultSession) ctx.session()).hooksRunning());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        int port = port(peer(PeerConfig.defaults(), afterTheHooks, serverAuth(), untilClosing), "127.0.0.1:0");
        Peer client = peer(PeerConfig.defaults(), AuthPlugin.client(() -> "wrong"));
        assertThatThrownBy(() -> client.dial("127.0.0.1:" + port))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).as(e.rerror().toJson())
                        .isEqualTo(401));
    }

    @Test
    void authChecksTheTokenBeforeAnyHandlerRuns() {
        Peer server = peer(PeerConfig.defaults(), serverAuth());
        List<String> handled = new CopyOnWriteArrayList<>();
        server.pullRouter().route("/hello", String.class, (b, ctx) -> {
            handled.add(b);
            return "hello " + b;
        });
        int port = port(server, "127.0.0.1:0");

        Session good = peer(PeerConfig.defaults(), AuthPlugin.client(() -> "secret")).dial("127.0.0.1:" + port);
        assertThat(good.pull("/hello", "ann", String.class)).isEqualTo("hello ann");

        assertThatThrownBy(() -> peer(PeerConfig.defaults(), AuthPlugin.client(() -> "wrong")).dial("127.0.0.1:" + port))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail()).isEqualTo("bad token"));

        Session anonymous = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        // Every pull gets the same answer, not 503 "session closing" once the first closed it (new-user trial 14),
        // until the handshake timeout closes the session.
        List<CompletableFuture<String>> tries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            tries.add(anonymous.pullAsync("/hello", "eve", String.class));
        }
        for (CompletableFuture<String> attempt : tries) {
            assertThat(attempt).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(401);
                        assertThat(e.rerror().detail()).as("says what the caller lacks").contains("no token")
                                .doesNotContain("Spring");
                    });
        }
        await().until(() -> !anonymous.isHealthy());
        assertThat(handled).containsExactly("ann");
    }

    @Test
    void refusalsAreCountedAndLoggedAtWarnOncePerInterval() {
        AuthPlugin auth = AuthPlugin.server(token -> token.equals("secret") ? null
                : new Rerror(401, "Unauthorized", "bad token"), Duration.ofMillis(1500));
        Peer server = peer(PeerConfig.defaults(), auth);
        server.pullRouter().route("/hello", String.class, (b, ctx) -> "hello " + b);
        int port = port(server, "127.0.0.1:0");
        assertThat(peer(PeerConfig.defaults(), AuthPlugin.client(() -> "secret")).dial("127.0.0.1:" + port)
                .pull("/hello", "ann", String.class)).isEqualTo("hello ann");
        assertThat(auth.refusals()).isZero();

        Peer wrong = peer(PeerConfig.defaults(), AuthPlugin.client(() -> "wrong"));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> wrong.dial("127.0.0.1:" + port)).isInstanceOf(RerrorException.class);
        }
        Session anonymous = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        assertThatThrownBy(() -> anonymous.pull("/hello", "eve", String.class)).isInstanceOf(RerrorException.class);
        // Silent: neither a call nor a handshake, closed when the timeout passes.
        Session silent = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(10)).until(() -> !silent.isHealthy());

        // Three tokens, the anonymous pull, and the two sessions closed at the timeout: the silent one, and the
        // anonymous one, which its refused pull no longer closes.
        await().until(() -> auth.refusals() == 6);
        List<String> warnings = authLog.events(Level.WARN).stream().map(e -> e.getFormattedMessage()).toList();
        assertThat(warnings).as("the first at once, the rest counted for the next line").hasSize(1);
        assertThat(warnings.get(0)).contains("auth refused 1 time(s)").contains("token refused")
                .contains("bad token").contains("127.0.0.1");
        // The rest when the interval ends, with no refusal after them to carry the line (new-user trial 13).
        await().atMost(Duration.ofSeconds(15)).until(() -> authLog.events(Level.WARN).size() == 2);
        assertThat(authLog.events(Level.WARN).get(1).getFormattedMessage()).contains("auth refused 5 time(s)")
                .contains("no handshake within 1500 ms");
    }

    @Test
    void aPeerThatBothVerifiesAndSendsATokenTakesPushesAndPullsOnTheSessionsItDialed() throws Exception {
        Peer backend = authServer("127.0.0.1:0");
        int port = ((InetSocketAddress) backend.listenAddresses().iterator().next()).getPort();
        // A mid-tier: its own clients must prove themselves, and it proves itself to its backend.
        Peer midTier = peer(PeerConfig.defaults(), AuthPlugin.both(() -> "secret",
                token -> token.equals("mid") ? null : new Rerror(401, "Unauthorized", "bad token"), Duration.ofSeconds(2)));
        BlockingQueue<String> pushed = new LinkedBlockingQueue<>();
        midTier.pushRouter().route("/news", String.class, (b, ctx) -> pushed.add(b));
        midTier.pullRouter().route("/whoami", String.class, (b, ctx) -> "mid-tier");
        Session toBackend = midTier.dial("127.0.0.1:" + port);
        assertThat(toBackend.pull("/hello", "mid", String.class)).isEqualTo("hello mid");
        Session atBackend = await().until(() -> backend.sessions().stream().findFirst().orElse(null), s -> s != null);
        atBackend.push("/news", "fresh");
        assertThat(pushed.poll(5, TimeUnit.SECONDS)).isEqualTo("fresh");
        assertThat(atBackend.pull("/whoami", null, String.class)).isEqualTo("mid-tier");
        assertThat(toBackend.isHealthy()).isTrue();
    }

    @Test
    void aSessionVerifierNamesTheSessionByWhatTheTokenProves() {
        Peer server = peer(PeerConfig.defaults(), AuthPlugin.server((session, token) -> {
            if (!token.startsWith("player:")) {
                return new Rerror(401, "Unauthorized", "not a player");
            }
            session.setId(token.substring("player:".length()));
            session.attributes().put("role", "player");
            return null;
        }, Duration.ofSeconds(5)));
        server.pullRouter().route("/whoami", String.class, (b, ctx) -> ctx.session().id() + " "
                + ctx.session().attributes().get("role"));
        int port = port(server, "127.0.0.1:0");

        Session alice = peer(PeerConfig.defaults(), AuthPlugin.client(() -> "player:alice")).dial("127.0.0.1:" + port);
        assertThat(alice.pull("/whoami", "", String.class)).isEqualTo("alice player");
        assertThat(server.session("alice")).as("found by the name its token proved").isPresent();
        assertThatThrownBy(() -> peer(PeerConfig.defaults(), AuthPlugin.client(() -> "guest")).dial("127.0.0.1:" + port))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail()).isEqualTo("not a player"));
    }

    @Test
    void anUnverifiedPushToTheHandshakePathReachesNoHandler() throws Exception {
        Peer server = peer(PeerConfig.defaults(), serverAuth());
        List<String> reached = new CopyOnWriteArrayList<>();
        // Where a push to a path with no push route would land.
        server.pushRouter().setUnknown(ctx -> reached.add(ctx.uri()));
        int port = port(server, "127.0.0.1:0");

        // Only the handshake's pull may pass unverified, not a push that shares its path.
        Session anonymous = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        anonymous.push(AuthPlugin.URI + "?cmd=drop", "payload");
        await().until(() -> !anonymous.isHealthy());
        assertThat(reached).isEmpty();
    }

    @Test
    void pipelinedHandshakesGetOneGuessAtTheToken() throws Exception {
        AtomicInteger verified = new AtomicInteger();
        Peer server = peer(PeerConfig.defaults(), AuthPlugin.server(token -> {
            verified.incrementAndGet();
            return token.equals("secret") ? null : new Rerror(401, "Unauthorized", "bad token");
        }, Duration.ofSeconds(2)));
        int port = port(server, "127.0.0.1:0");

        Session guesser = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);
        List<CompletableFuture<String>> guesses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            guesses.add(guesser.pullAsync(AuthPlugin.URI, "guess" + i, String.class,
                    CallOptions.bodyCodec(StringCodec.ID)));
        }
        for (CompletableFuture<String> guess : guesses) {
            assertThat(guess).failsWithin(Duration.ofSeconds(5));
        }
        assertThat(verified).hasValue(1);
    }

    @Test
    void authRunsAgainAfterARedialToARestartedServer() {
        Peer first = authServer("127.0.0.1:0");
        int port = ((InetSocketAddress) first.listenAddresses().iterator().next()).getPort();
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20))
                .redialMaxInterval(Duration.ofMillis(200)).build(), AuthPlugin.client(() -> "secret"));
        Session session = client.dial("127.0.0.1:" + port);
        assertThat(session.pull("/hello", "one", String.class)).isEqualTo("hello one");

        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());
        authServer("127.0.0.1:" + port);
        assertThat(session.pull("/hello", "two", String.class)).isEqualTo("hello two");
        assertThat(session.pull("/hello", "three", String.class)).isEqualTo("hello three");
    }

    /**
     * Pushes held for a redial that fill the session's outbound limit do not keep the redial's own
     * handshake out: it went first to the limit and was refused, so that a device pushing through a
     * gateway's outage came back only once those pushes timed out (new-user trial 13).
     */
    @Test
    void pushesHeldForTheRedialDoNotKeepItsHandshakeOut() {
        Peer first = authServer("127.0.0.1:0");
        int port = ((InetSocketAddress) first.listenAddresses().iterator().next()).getPort();
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20))
                .redialMaxInterval(Duration.ofMillis(100)).limits(io.teleport.limits.Limits.builder()
                        .maxOutboundBytesPerSession(64 * 1024).build()).build(), AuthPlugin.client(() -> "secret"));
        Session session = client.dial("127.0.0.1:" + port);
        first.shutdown(Duration.ofSeconds(1));
        await().until(() -> !session.isHealthy());
        CompletableFuture<Void> refused = null;
        for (int i = 0; i < 10_000 && refused == null; i++) {
            // Smaller than the handshake's frame, so that what is left under the limit cannot take that.
            CompletableFuture<Void> push = session.push("/t", null, io.teleport.session.CallOptions.timeout(Duration.ofMinutes(1)));
            refused = push.isCompletedExceptionally() ? push : null;
        }
        assertThat(refused).as("the held pushes fill the limit").isNotNull();
        assertThat(refused).failsWithin(Duration.ZERO).withThrowableThat().havingCause()
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .contains("of them wait for the session to reconnect"));

        AtomicInteger received = new AtomicInteger();
        Peer back = authServer("127.0.0.1:" + port);
        back.pushRouter().route("/t", String.class, (body, ctx) -> received.incrementAndGet());
        await().atMost(Duration.ofSeconds(10)).until(session::isHealthy);
        await().until(() -> received.get() > 100);
        // The held pushes flushed may fill the limit a moment longer, until the server has read them.
        await().ignoreExceptions().untilAsserted(() ->
                assertThat(session.pull("/hello", "back", String.class)).isEqualTo("hello back"));
    }

    @Test
    void aSessionDialedWithItsOwnTokenSendsItInsteadOfThePluginsAfterEveryRedial() {
        Peer secret = authServer("127.0.0.1:0");
        int secretPort = ((InetSocketAddress) secret.listenAddresses().iterator().next()).getPort();
        Peer other = otherTokenServer(0);
        int otherPort = ((InetSocketAddress) other.listenAddresses().iterator().next()).getPort();
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20))
                .redialMaxInterval(Duration.ofMillis(200)).build(), AuthPlugin.client(() -> "secret"));

        assertThat(client.dial("127.0.0.1:" + secretPort).pull("/hello", "a", String.class)).isEqualTo("hello a");
        assertThatThrownBy(() -> client.dial("127.0.0.1:" + otherPort))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        Session own = client.dialAsync("127.0.0.1:" + otherPort, null, Map.of(AuthPlugin.TOKEN, "other")).join();
        assertThat(own.pull("/hello", "b", String.class)).isEqualTo("other b");

        other.shutdown(Duration.ofSeconds(1));
        await().until(() -> !own.isHealthy());
        otherTokenServer(otherPort);
        assertThat(own.pull("/hello", "c", String.class)).isEqualTo("other c");
        // A peer that only verifies tokens has none of its own to send, and still sends a session's.
        Peer verifying = peer(PeerConfig.defaults(), serverAuth());
        assertThat(verifying.dialAsync("127.0.0.1:" + otherPort, null, Map.of(AuthPlugin.TOKEN, "other")).join()
                .pull("/hello", "d", String.class)).isEqualTo("other d");
    }

    private Peer otherTokenServer(int port) {
        Peer server = peer(PeerConfig.defaults(), AuthPlugin.server(
                token -> token.equals("other") ? null : new Rerror(401, "Unauthorized", "bad token"), Duration.ofSeconds(2)));
        server.pullRouter().route("/hello", String.class, (b, ctx) -> "other " + b);
        port(server, "127.0.0.1:" + port);
        return server;
    }

    @Test
    void heartbeatPingsLookLikeTpExtsAndKeepSessionsAlive() throws Exception {
        BlockingQueue<Packet> pings = new LinkedBlockingQueue<>();
        PostReadPullHeader spy = ctx -> {
            if (ctx.input().uri().equals(HeartbeatPlugin.URI)) {
                pings.add(ctx.input());
            }
            return null;
        };
        // A ping fails, and closes its session, when not answered within the rate: 1 s leaves a busy
        // machine time to answer.
        Duration rate = Duration.ofSeconds(1);
        Peer server = peer(PeerConfig.defaults(), HeartbeatPlugin.pong(rate), spy);
        int port = port(server, "127.0.0.1:0");
        Session pinging = peer(PeerConfig.defaults(), HeartbeatPlugin.ping(rate)).dial("127.0.0.1:" + port);

        Packet ping = pings.poll(5, TimeUnit.SECONDS);
        assertThat(ping).isNotNull();
        assertThat(ping.bodyCodec()).isEqualTo((byte) 'j');
        assertThat(ping.bodyBytes()).isEmpty();

        try (Socket silent = new Socket("127.0.0.1", port)) {
            silent.setSoTimeout(10_000);
            assertThat(silent.getInputStream().read()).as("silent sessions are closed after three rates").isEqualTo(-1);
        } catch (IOException reset) {
            // closed as well
        }
        // The pinging session, connected before the silent one, has sent nothing but pings for longer
        // than the silent one lived; a pull over it shows the connection open, where the health flag
        // could still lag a close.
        assertThat(pings).as("pings went on meanwhile").isNotEmpty();
        assertThatCode(() -> pinging.pull(HeartbeatPlugin.URI, null, Void.class)).as("pinged sessions stay")
                .doesNotThrowAnyException();
        assertThat(pinging.isHealthy()).isTrue();
    }

    @Test
    void theAnsweringSideKeepsAQuietConnectionItDialedToAPeerThatNeverPings() throws Exception {
        // A gateway that answers its devices' pings also calls a backend, which pings nobody.
        Peer backend = peer(PeerConfig.defaults());
        backend.pullRouter().route("/hello", String.class, (b, ctx) -> "hello " + b);
        int port = port(backend, "127.0.0.1:0");
        Session toBackend = peer(PeerConfig.defaults(), HeartbeatPlugin.pong(Duration.ofMillis(200))).dial("127.0.0.1:" + port);

        Thread.sleep(1500);
        assertThat(toBackend.isHealthy()).as("quiet for more than seven rates, still there").isTrue();
        assertThat(toBackend.pull("/hello", "again", String.class)).isEqualTo("hello again");
        assertThat(heartbeatLog.events()).isEmpty();
    }

    @Test
    void aConnectionItDialedIsDroppedOnceItsRemotePingedAndFellSilent() throws Exception {
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Peer client = peer(PeerConfig.defaults(), HeartbeatPlugin.pong(Duration.ofMillis(200)));
            Session dialed = client.dial("127.0.0.1:" + listener.getLocalPort());
            try (Socket remote = listener.accept()) {
                // One ping, then nothing: a server that pinged its clients has stopped.
                remote.getOutputStream().write(io.teleport.testing.Frames.encode(new Packet(
                        io.teleport.message.PacketType.PULL, 1, HeartbeatPlugin.URI, null).bodyCodec((byte) 'j')));
                await().atMost(Duration.ofSeconds(5)).until(() -> !dialed.isHealthy());
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> heartbeatLog.events().stream().anyMatch(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().startsWith("dropped the connections of 1 session(s) silent past their heartbeat limit (600 ms")));
    }

    @Test
    void aPeerThatStopsAnsweringIsDroppedThoughThisSideKeepsPushingToIt() throws Exception {
        Peer server = peer(PeerConfig.defaults(), HeartbeatPlugin.ping(Duration.ofMillis(300)));
        int port = port(server, "127.0.0.1:0");
        try (Socket frozen = new Socket("127.0.0.1", port)) {
            // It says one thing, then neither reads nor answers: a process stopped, a partition.
            frozen.getOutputStream().write(io.teleport.testing.Frames.encode(
                    new Packet(io.teleport.message.PacketType.PUSH, 1, "/hello", null)));
            await().until(() -> server.sessionCount() == 1);
            long start = System.nanoTime();
            // What this side sends says nothing of the other: pushes every 50 ms do not keep it.
            while (server.sessionCount() == 1 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                server.sessions().forEach(s -> s.push("/news", "n"));
                Thread.sleep(50);
            }
            assertThat(server.sessionCount()).as("dropped for its unanswered ping").isZero();
        }
    }

    @Test
    void theHeartbeatsOfManyPeersShareOneThread() {
        for (int i = 0; i < 5; i++) {
            peer(PeerConfig.defaults(), i % 2 == 0 ? HeartbeatPlugin.ping(Duration.ofSeconds(1))
                    : HeartbeatPlugin.pong(Duration.ofSeconds(1)));
        }
        // A device simulator runs a peer per device: a thread each would be thousands.
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("teleport-heartbeat"))
                .hasSize(1);
    }

    @Test
    void oneHeartbeatInstanceServesSeveralPeersEachStoppingWithItsOwn() throws Exception {
        BlockingQueue<String> pingsFrom = new LinkedBlockingQueue<>();
        PostReadPullHeader spy = ctx -> {
            if (ctx.input().uri().equals(HeartbeatPlugin.URI)) {
                pingsFrom.add(ctx.session().id());
            }
            return null;
        };
        Peer server = peer(PeerConfig.defaults(), HeartbeatPlugin.pong(Duration.ofSeconds(5)), spy);
        int port = port(server, "127.0.0.1:0");
        HeartbeatPlugin shared = HeartbeatPlugin.ping(Duration.ofMillis(100));
        Peer first = peer(PeerConfig.defaults(), shared);
        first.dial("127.0.0.1:" + port);
        Peer second = peer(PeerConfig.defaults(), shared);
        Session kept = second.dial("127.0.0.1:" + port);
        await().until(() -> pingsFrom.size() >= 4);

        first.shutdown(Duration.ofSeconds(1));
        Thread.sleep(300);
        pingsFrom.clear();
        String keptId = server.sessions().stream().filter(s -> s.remoteAddress().equals(kept.localAddress()))
                .findFirst().orElseThrow().id();
        await().atMost(Duration.ofSeconds(5)).until(() -> pingsFrom.contains(keptId));
    }

    /** A ping left unanswered (a stall), or answered 503 (a server draining to restart): passing states. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aDialedSessionWhoseHeartbeatFailsRedialsRatherThanClosingForGood(boolean answered503) throws Exception {
        Peer server = peer(PeerConfig.defaults());
        int port = port(server, "127.0.0.1:0");
        AtomicInteger pings = new AtomicInteger();
        server.pullRouter().route(HeartbeatPlugin.URI, Void.class, (body, ctx) -> {
            if (pings.incrementAndGet() == 1) {
                if (answered503) {
                    throw new RerrorException(Rerror.CODE_UNAVAILABLE, "Service Unavailable", "shutting down");
                }
                Thread.sleep(1_000);
            }
            return null;
        });
        Peer client = peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50)).build(),
                HeartbeatPlugin.ping(Duration.ofMillis(200)));
        Session session = client.dial("127.0.0.1:" + port);
        await().atMost(Duration.ofSeconds(10)).until(() -> pings.get() >= 2);
        assertThat(session.closeFuture()).as("its connection was dropped, not the session").isNotDone();
        await().atMost(Duration.ofSeconds(10)).until(session::isHealthy);
        assertThat(server.sessionCount()).isEqualTo(1);
    }

    @Test
    void aPingTheOtherSideHasNoRouteForClosesTheSessionAndSaysWhyAtWarn() {
        // tp-ext closes on any failed ping, a 404 included; the line says what is missing where.
        Peer server = peer(PeerConfig.defaults(), HeartbeatPlugin.ping(Duration.ofSeconds(1)));
        int port = port(server, "127.0.0.1:0");
        Session withoutPong = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port);

        await().atMost(Duration.ofSeconds(10)).until(() -> !withoutPong.isHealthy());
        await().atMost(Duration.ofSeconds(5)).until(() -> !heartbeatLog.lines("answers no heartbeats").isEmpty());
        assertThat(heartbeatLog.events(Level.WARN)).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .startsWith("heartbeat to ").contains("failed (code 404), closing it")
                .contains("give it a HeartbeatPlugin.pong"));
    }

    /** A reply that comes too late for its pull still says the remote is alive: it is not pinged (trial 9). */
    @Test
    void lateRepliesCountAsHearingFromTheRemote() throws Exception {
        Peer server = peer(PeerConfig.defaults(), HeartbeatPlugin.ping(Duration.ofSeconds(1)));
        int port = port(server, "127.0.0.1:0");
        Peer client = peer(PeerConfig.defaults());
        client.pullRouter().route("/late", String.class, (body, ctx) -> {
            Thread.sleep(150);
            return body;
        });
        // Without a pong: a ping would be answered 404 and close the session.
        Session withoutPong = client.dial("127.0.0.1:" + port);
        await().until(() -> server.sessionCount() == 1);
        Session toClient = server.sessions().iterator().next();
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() - until < 0) {
            toClient.pullAsync("/late", "x", String.class, CallOptions.timeout(Duration.ofMillis(50)));
            Thread.sleep(100);
        }
        assertThat(withoutPong.isHealthy()).isTrue();
        assertThat(heartbeatLog.lines("answers no heartbeats")).isEmpty();
    }

    @Test
    void aDialWhoseTokenIsNeverAnsweredFailsWithinTheDialTimeoutNotThePullTimeout() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            Peer client = peer(PeerConfig.builder().dialTimeout(Duration.ofMillis(300)).pullTimeout(Duration.ofSeconds(60))
                    .build(), AuthPlugin.client(() -> "secret"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.dial(silent.address())).isInstanceOf(RerrorException.class)
                    .hasMessageContaining(AuthPlugin.URI);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            assertThat(client.sessions()).isEmpty();
        }
    }

    @Test
    void aliasRoutesOnePathToAnother() {
        Peer server = peer(PeerConfig.defaults(), new AliasPlugin(Map.of("/old/name", "/new/name")));
        server.pullRouter().route("/new/name", String.class, (b, ctx) -> ctx.path() + "?" + ctx.rawQuery() + " " + b);
        Session session = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port(server, "127.0.0.1:0"));
        assertThat(session.pull("/old/name?x=1", "hi", String.class)).isEqualTo("/new/name?x=1 hi");
        assertThat(session.pull("/new/name", "direct", String.class)).isEqualTo("/new/name? direct");
    }

    @Test
    void proxyForwardsUnknownPullsAndPushesAndRelaysRepliesAndErrors() throws Exception {
        BlockingQueue<String> pushes = new LinkedBlockingQueue<>();
        Peer backend = peer(PeerConfig.defaults());
        backend.pullRouter().route("/svc/echo", Map.class, (body, ctx) -> {
            ctx.replyMeta().set("X-Backend", "yes");
            return Map.of("body", body, "real_ip", ctx.meta().peek(ProxyPlugin.REAL_IP), "trace", ctx.meta().peek("trace"));
        });
        backend.pushRouter().route("/svc/note", String.class, (body, ctx) -> pushes.add(body + " from "
                + ctx.meta().peek(ProxyPlugin.REAL_IP)));
        int backendPort = port(backend, "127.0.0.1:0");

        Peer gatewayClient = peer(PeerConfig.defaults());
        Session toBackend = gatewayClient.dial("127.0.0.1:" + backendPort);
        Peer gateway = peer(PeerConfig.defaults(), new ProxyPlugin(ctx -> toBackend));
        Session client = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port(gateway, "127.0.0.1:0"));

        Reply<Map> reply = client.<Map>pullReply("/svc/echo?q=1", Map.of("a", 1), Map.class,
                io.teleport.session.CallOptions.setMeta("trace", "t-1")).join();
        assertThat(reply.body().get("body")).isEqualTo(Map.of("a", 1));
        assertThat(reply.body().get("trace")).isEqualTo("t-1");
        assertThat((String) reply.body().get("real_ip")).isEqualTo(client.localAddress().toString().replace("/", ""));
        assertThat(reply.meta().peek("X-Backend")).isEqualTo("yes");

        assertThatThrownBy(() -> client.pull("/svc/missing", null, Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror()).isEqualTo(Rerror.of(404, "Not Found")));

        client.push("/svc/note", "hello", io.teleport.session.CallOptions.bodyCodec((byte) 's')).join();
        assertThat(pushes.poll(5, TimeUnit.SECONDS)).startsWith("hello from 127.0.0.1:");

        // The target gone: the forward is not sent, which the caller may send elsewhere, not its own 104.
        toBackend.close().join();
        assertThatThrownBy(() -> client.pull("/svc/echo", Map.of("a", 2), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(Rerror.CODE_UNAVAILABLE);
                    assertThat(e.rerror().detail()).startsWith("the proxy could not forward it: 104 Write Failed");
                });

        // A target picked by dialing it, which fails: 503 too, not the dial's 105.
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        Peer dialing = peer(PeerConfig.defaults(), new ProxyPlugin(ctx -> gatewayClient.dial("127.0.0.1:" + closed)));
        Session viaDialing = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port(dialing, "127.0.0.1:0"));
        assertThatThrownBy(() -> viaDialing.pull("/svc/echo", Map.of("a", 3), Map.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(Rerror.CODE_UNAVAILABLE);
                    assertThat(e.rerror().detail()).startsWith("the proxy could not forward it: 105 Dial Failed");
                });
    }

    /** A handler argument with constraints. */
    public record Signup(@NotBlank String name, @Min(18) int age) {
    }

    @Test
    void validationAnswersViolationsWithTheFieldAndReason() {
        Validator validator = Validation.byDefaultProvider().configure()
                .messageInterpolator(new ParameterMessageInterpolator()).buildValidatorFactory().getValidator();
        Peer server = peer(PeerConfig.defaults(), new ValidationPlugin(validator));
        List<Signup> accepted = new CopyOnWriteArrayList<>();
        server.pullRouter().route("/signup", Signup.class, (s, ctx) -> {
            accepted.add(s);
            return "welcome " + s.name();
        });
        Session session = peer(PeerConfig.defaults()).dial("127.0.0.1:" + port(server, "127.0.0.1:0"));
        assertThat(session.pull("/signup", new Signup("ann", 30), String.class)).isEqualTo("welcome ann");
        assertThatThrownBy(() -> session.pull("/signup", new Signup(" ", 12), String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.rerror().message()).isEqualTo("Invalid Argument");
                    assertThat(e.rerror().detail()).isEqualTo("age: must be greater than or equal to 18; name: must not be blank");
                });
        assertThat(accepted).hasSize(1);
    }
}
