package io.teleport.spring.autoconfigure;

import ch.qos.logback.classic.Level;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.router.PushContext;
import io.teleport.session.Session;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.client.RemoteState;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.testing.LogCapture;
import io.teleport.testing.ReservedPort;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.ParameterizedTypeReference;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Client connections a production application can run on: remotes dialed at start-up when the
 * application receives from them, redial on by default, per-remote timeout and codec, a health
 * indicator per remote that is DOWN while it cannot connect, and broadcasts that reach the
 * application's clients only.
 */
class TeleportRemotesTests {

    private static final List<String> RECEIVED = new CopyOnWriteArrayList<>();

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.spring.client", Level.INFO);
    private final ReservedPort reserved = new ReservedPort();
    private final CountDownLatch release = new CountDownLatch(1);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportActuatorAutoConfiguration.class));

    @AfterEach
    void release() throws Exception {
        release.countDown();
        reserved.close();
        RECEIVED.clear();
    }

    /** A push-only controller: {@code /news/item}. */
    @PushController
    public static class News {
        /** Records each push. */
        public void item(String body, PushContext ctx) {
            RECEIVED.add(body);
        }
    }

    /** A core server on {@code port} (0 for any), sharing the port so that it may take a reserved one. */
    private Peer server(int port, io.teleport.plugin.Plugin... plugins) {
        Peer server = peers.add(new Peer(PeerConfig.builder().reusePort(true).build(), plugins));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        server.listen("127.0.0.1:" + port, null);
        return server;
    }

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    private static Health remote(AssertableApplicationContext ctx, String name) {
        CompositeHealthContributor remotes = ctx.getBean("teleportRemotesHealthContributor", CompositeHealthContributor.class);
        return ((HealthIndicator) remotes.getContributor(name)).health(true);
    }

    @Test
    void aPushOnlyClientConnectsAtStartUpAndReceives() {
        Peer server = server(0);
        runner.withBean(News.class).withPropertyValues("teleport.client.address=" + address(server)).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            // The application never calls: the remote reaches it all the same.
            await().until(() -> server.sessionCount() == 1);
            server.sessions().iterator().next().push("/news/item", "hello").join();
            await().until(() -> RECEIVED.contains("hello"));
            assertThat(remote(ctx, "default").getStatus()).isEqualTo(Status.UP);
            assertThat(remote(ctx, "default").getDetails()).containsEntry("state", "CONNECTED");
        });
    }

    @Test
    void aClientThatOnlyCallsDialsOnFirstUseUnlessToldOtherwise() {
        Peer server = server(0);
        runner.withPropertyValues("teleport.client.address=" + address(server)).run(ctx -> {
            assertThat(ctx.getBean(SessionTemplate.class).state()).isEqualTo(RemoteState.IDLE);
            assertThat(remote(ctx, "default").getStatus()).as("nothing wrong yet").isEqualTo(Status.UP);
            assertThat(ctx.getBean(PeerConfig.class).redialTimes()).as("remotes redial by default").isEqualTo(-1);
        });
        runner.withPropertyValues("teleport.clients.audit.address=" + address(server), "teleport.clients.audit.connect=eager")
                .run(ctx -> await().until(() -> ctx.getBean(SessionTemplates.class).get("audit").state()
                        == RemoteState.CONNECTED));
        runner.withBean(News.class).withPropertyValues("teleport.client.address=" + address(server),
                "teleport.client.connect=lazy").run(ctx ->
                        assertThat(ctx.getBean(SessionTemplate.class).state()).isEqualTo(RemoteState.IDLE));
    }

    @Test
    void aRemoteHasItsOwnPullTimeoutAndCodec() {
        List<Byte> codecs = new CopyOnWriteArrayList<>();
        PostReadPullHeader seen = ctx -> {
            codecs.add(ctx.input().bodyCodec());
            return null;
        };
        Peer server = server(0, seen);
        runner.withPropertyValues("teleport.clients.slow.address=" + address(server),
                "teleport.clients.slow.pull-timeout=2s", "teleport.clients.slow.body-codec=string").run(ctx -> {
                    SessionTemplate slow = ctx.getBean(SessionTemplates.class).get("slow");
                    assertThat(slow.pull("/echo", "x", String.class)).isEqualTo("x");
                    assertThat(codecs).containsExactly((byte) 's');
                    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(
                            () -> slow.pull("/hold", "x", String.class))
                            .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(408)));
                });
        runner.withPropertyValues("teleport.clients.x.address=127.0.0.1:1", "teleport.clients.x.body-codec=xml")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("teleport.clients.x.body-codec: 'xml' is not a codec"));
        runner.withPropertyValues("teleport.clients.x.address=127.0.0.1:1", "teleport.clients.x.pull-timeout=0s")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("teleport.clients.x.pull-timeout"));
    }

    @Test
    void aBroadcastReachesTheApplicationsClientsNotTheServersItDialed() {
        AtomicInteger upstreamGot = new AtomicInteger();
        Peer upstream = server(0);
        upstream.pushRouter().route("/news/item", String.class, (body, ctx) -> upstreamGot.incrementAndGet());
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0",
                "teleport.clients.upstream.address=" + address(upstream), "teleport.clients.upstream.connect=eager")
                .run(ctx -> {
                    await().until(() -> upstream.sessionCount() == 1);
                    Peer client = peers.add(new Peer(PeerConfig.defaults()));
                    AtomicInteger clientGot = new AtomicInteger();
                    client.pushRouter().route("/news/item", String.class, (body, c) -> clientGot.incrementAndGet());
                    Session dialed = client.dial(address(ctx.getBean(Peer.class)));
                    await().until(() -> ctx.getBean(Peer.class).sessionCount() == 2);

                    assertThat(ctx.getBean(TeleportSessions.class).pushAll("/news/item", "x").get(5, TimeUnit.SECONDS))
                            .isEqualTo(1);
                    await().until(() -> clientGot.get() == 1);
                    // A fence: a push on the same session, sent after, arrives after anything sent before.
                    ctx.getBean(SessionTemplates.class).get("upstream").push("/news/item", "fence").join();
                    await().until(() -> upstreamGot.get() >= 1);
                    assertThat(upstreamGot).as("only the fence").hasValue(1);
                    assertThat(dialed.dialed()).isTrue();
                });
    }

    @Test
    void aRemoteThatCannotConnectIsDownWithItsReasonUntilItConnects() {
        runner.withPropertyValues("teleport.clients.up.address=" + reserved.address(), "teleport.clients.up.connect=eager",
                "teleport.redial.interval=20ms", "teleport.redial.max-interval=50ms").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    await().until(() -> ctx.getBean(SessionTemplates.class).get("up").failedDials() >= 12);
                    Health down = remote(ctx, "up");
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails()).containsEntry("address", reserved.address())
                            .containsKey("failedDials");
                    assertThat(String.valueOf(down.getDetails().get("lastError"))).containsIgnoringCase("refused");
                    int warned = log.warnings("could not be dialed").size();
                    int failed = ctx.getBean(SessionTemplates.class).get("up").failedDials();
                    assertThat(warned).as("the first failure, then one per ten").isBetween(2, 1 + failed / 10);

                    Peer server = server(reserved.port());
                    await().until(() -> remote(ctx, "up").getStatus().equals(Status.UP));
                    assertThat(log.lines("connected after")).hasSize(1);

                    // Lost: DOWN while the peer redials, with why; UP once it is back.
                    server.shutdown(Duration.ofSeconds(1));
                    await().until(() -> "REDIALING".equals(remote(ctx, "up").getDetails().get("state"))
                            && remote(ctx, "up").getDetails().containsKey("lastError"));
                    assertThat(remote(ctx, "up").getStatus()).isEqualTo(Status.DOWN);
                    server(reserved.port());
                    await().until(() -> remote(ctx, "up").getStatus().equals(Status.UP));
                });
    }

    /** A reply body of a generic type. */
    record Player(String name, int level) {
    }

    @Test
    void aBlockingPullDecodesAGenericReplyType() {
        Peer server = server(reserved.port());
        server.pullRouter().route("/players", String.class, (prefix, ctx) ->
                List.of(new Player(prefix + "-1", 3), new Player(prefix + "-2", 7)));
        runner.withPropertyValues("teleport.clients.lobby.address=" + reserved.address()).run(ctx -> {
            SessionTemplate lobby = ctx.getBean(SessionTemplates.class).get("lobby");
            List<Player> players = lobby.pull("/players", "p", new ParameterizedTypeReference<List<Player>>() { });
            assertThat(players).containsExactly(new Player("p-1", 3), new Player("p-2", 7));
            assertThatThrownBy(() -> lobby.pull("/nowhere", "p", new ParameterizedTypeReference<List<Player>>() { }))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(404));
        });
    }

    @Test
    void eachRemoteSendsItsOwnAuthTokenOrThePeersAfterEveryRedial() {
        Peer orders = server(0, tokenChecker("orders-token"));
        Peer stock = server(0, tokenChecker("stock-token"));
        Peer shared = server(0, tokenChecker("shared-token"));
        runner.withPropertyValues("teleport.auth.token=shared-token",
                "teleport.clients.orders.address=" + address(orders), "teleport.clients.orders.auth-token=orders-token",
                "teleport.clients.stock.address=" + address(stock), "teleport.clients.stock.auth-token=stock-token",
                "teleport.clients.shared.address=" + address(shared), "teleport.clients.plain.address=" + address(stock),
                "teleport.clients.none.address=" + address(shared), "teleport.clients.none.auth-token=",
                "teleport.redial.interval=20ms", "teleport.redial.max-interval=200ms").run(ctx -> {
                    SessionTemplates templates = ctx.getBean(SessionTemplates.class);
                    assertThat(templates.get("orders").pull("/echo", "o", String.class)).isEqualTo("o");
                    assertThat(templates.get("stock").pull("/echo", "s", String.class)).isEqualTo("s");
                    assertThat(templates.get("shared").pull("/echo", "p", String.class)).isEqualTo("p");
                    assertThatThrownBy(() -> templates.get("plain").pull("/echo", "x", String.class))
                            .as("no token of its own: the peer's, which the stock server refuses")
                            .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1401));
                    assertThatThrownBy(() -> templates.get("none").pull("/echo", "y", String.class))
                            .as("an empty token of its own (an undefined variable): none sent, not the peer's")
                            .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));

                    // The stock server restarts on its port: the session redials and sends its own token again.
                    int port = ((InetSocketAddress) stock.listenAddresses().iterator().next()).getPort();
                    Session session = templates.get("stock").session();
                    stock.shutdown(Duration.ofSeconds(1));
                    await().until(() -> !session.isHealthy());
                    server(port, tokenChecker("stock-token"));
                    await().until(session::isHealthy);
                    assertThat(templates.get("stock").pull("/echo", "again", String.class)).isEqualTo("again");
                });
        // No teleport.auth at all: a remote's own token still makes the auth plugin, and is sent.
        runner.withPropertyValues("teleport.client.address=" + address(orders), "teleport.client.auth-token=orders-token")
                .run(ctx -> assertThat(ctx.getBean(SessionTemplate.class).pull("/echo", "d", String.class)).isEqualTo("d"));
    }

    private static io.teleport.plugins.AuthPlugin tokenChecker(String accepted) {
        return io.teleport.plugins.AuthPlugin.server(token -> accepted.equals(token) ? null
                : new Rerror(1401, "Bad Token", "token refused"), Duration.ofSeconds(5));
    }

    /** A remote's refusal is its own text: the health shows it cut, as the log does (hostile round 14: 60 KB). */
    @Test
    void aRemotesLongRefusalIsCutInItsHealth() {
        server(reserved.port(), io.teleport.plugins.AuthPlugin.server(
                token -> new Rerror(1401, "Bad Token", "x".repeat(60_000)), Duration.ofSeconds(5)));
        runner.withPropertyValues("teleport.clients.locked.address=" + reserved.address(), "teleport.auth.token=bad")
                .run(ctx -> {
                    assertThatThrownBy(() -> ctx.getBean(SessionTemplates.class).get("locked").pull("/echo", "a", String.class))
                            .isInstanceOf(RerrorException.class);
                    String shown = String.valueOf(remote(ctx, "locked").getDetails().get("lastError"));
                    assertThat(shown).hasSizeLessThan(600).contains("xxx").endsWith("chars)");
                });
    }

    @Test
    void callsHeldBackAfterARefusedTokenGetTheRefusalsCodeAsTheCallThatDialedDid() {
        server(reserved.port(), io.teleport.plugins.AuthPlugin.server(
                token -> "good".equals(token) ? null : new Rerror(1401, "Bad Token", "token refused"), Duration.ofSeconds(5)));
        runner.withPropertyValues("teleport.clients.locked.address=" + reserved.address(), "teleport.auth.token=bad",
                "teleport.redial.interval=5s", "teleport.redial.max-interval=5s").run(ctx -> {
                    SessionTemplate locked = ctx.getBean(SessionTemplates.class).get("locked");
                    assertThatThrownBy(() -> locked.pull("/echo", "a", String.class))
                            .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1401));
                    assertThatThrownBy(() -> locked.pull("/echo", "b", String.class))
                            .isInstanceOfSatisfying(RerrorException.class, e -> {
                                assertThat(e.code()).as("the same code, not 105").isEqualTo(1401);
                                assertThat(e.rerror().message()).isEqualTo("Bad Token");
                                assertThat(e.rerror().detail()).contains("is down: the last dial failed (token refused)")
                                        .contains("next dial in");
                            });
                    assertThat(locked.failedDials()).as("the second call dialed nothing").isEqualTo(1);
                });
    }

    @Test
    void callsToARemoteThatIsDownFailAtOnceUntilItsBackoffPassesRatherThanDialEach() {
        runner.withPropertyValues("teleport.clients.down.address=" + reserved.address(),
                "teleport.redial.interval=2s", "teleport.redial.max-interval=4s").run(ctx -> {
                    SessionTemplate down = ctx.getBean(SessionTemplates.class).get("down");
                    assertThatThrownBy(() -> down.pull("/echo", "a", String.class))
                            .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().code()).isEqualTo(105));
                    long failedAt = System.nanoTime();
                    // The wait after a first failure is 1,000 to 2,000 ms: calls within it dial nothing (the
                    // margin is for a busy machine's pauses).
                    int fastFailures = 0;
                    while (System.nanoTime() - failedAt < TimeUnit.MILLISECONDS.toNanos(150)) {
                        assertThatThrownBy(() -> down.pull("/echo", "b", String.class))
                                .isInstanceOfSatisfying(RerrorException.class, e -> {
                                    assertThat(e.rerror().code()).isEqualTo(105);
                                    assertThat(e.rerror().detail()).contains("is down: the last dial failed")
                                            .containsIgnoringCase("refused").contains("next dial in");
                                });
                        assertThatThrownBy(() -> down.pullAsync("/echo", "c", String.class).join())
                                .hasRootCauseInstanceOf(java.net.ConnectException.class);
                        fastFailures++;
                    }
                    assertThat(fastFailures).isPositive();
                    assertThat(down.failedDials()).as("one dial for all those calls").isEqualTo(1);
                    assertThat(log.warnings("could not be dialed")).hasSize(1);

                    // Past the wait a call dials again; after a second failure the wait doubles.
                    await().pollInterval(Duration.ofMillis(20)).until(() -> {
                        try {
                            down.pull("/echo", "d", String.class);
                        } catch (RerrorException e) {
                            // Still down.
                        }
                        return down.failedDials() == 2;
                    });
                    assertThatThrownBy(() -> down.pull("/echo", "e", String.class))
                            .isInstanceOfSatisfying(RerrorException.class, e -> {
                                String detail = e.rerror().detail();
                                long wait = Long.parseLong(detail.replaceAll(".*next dial in (\\d+) ms.*", "$1"));
                                assertThat(wait).as(detail).isGreaterThan(1000).isLessThanOrEqualTo(4000);
                            });

                    // Back up: the first call after the wait connects, and the count starts again.
                    server(reserved.port());
                    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                            .ignoreException(RerrorException.class).untilAsserted(
                            () -> assertThat(down.pull("/echo", "f", String.class)).isEqualTo("f"));
                    assertThat(down.failedDials()).isZero();
                    assertThat(log.lines("connected after 2 failed dials")).hasSize(1);
                });
    }
}
