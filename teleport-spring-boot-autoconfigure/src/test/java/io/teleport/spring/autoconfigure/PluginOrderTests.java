package io.teleport.spring.autoconfigure;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PreWritePull;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.plugins.AuthPlugin;
import io.teleport.plugins.ProxyPlugin;
import io.teleport.session.Session;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.testing.LogCapture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.annotation.Order;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The built-in plugins run first, authentication before all, in {@link TeleportPluginOrder}; the
 * application's plugins see neither the handshake nor messages of unauthenticated peers.
 */
class PluginOrderTests {

    private static final String SERVER = "teleport.server.listen-address=127.0.0.1:0";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class, TeleportMetricsAutoConfiguration.class));

    /** An application plugin that refuses every pull, and records what it saw. */
    @Order(1)
    static final class Forbidding implements PostReadPullHeader {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            seen.add(ctx.input().uri());
            return new Rerror(403, "Forbidden", "not for you");
        }
    }

    /** An application plugin that asks to see the handshake. */
    @Order(TeleportPluginOrder.AUTH - 1)
    static final class Watching implements PostReadPullHeader {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            seen.add(ctx.input().uri());
            return null;
        }
    }

    /** A client-side plugin recording the pulls it sees written. */
    static final class Outgoing implements PreWritePull {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public @Nullable Rerror preWritePull(WriteContext ctx) {
            seen.add(ctx.output().uri());
            return null;
        }
    }

    /** An unordered application plugin. */
    static final class Unordered implements PostReadPullHeader {
        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            return null;
        }
    }

    /** A presence list, as the README suggests: it holds the sessions bean, which holds the peer. */
    static final class Presence implements PostReadPullHeader {
        final TeleportSessions sessions;
        final List<Integer> counts = new CopyOnWriteArrayList<>();

        Presence(TeleportSessions sessions) {
            this.sessions = sessions;
        }

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            counts.add(sessions.count());
            return null;
        }
    }

    /** A plugin that needs the peer itself, through the default remote's template. */
    static final class NeedsTemplate implements PostReadPullHeader {
        NeedsTemplate(SessionTemplate template) {
        }

        @Override
        public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
            return null;
        }
    }

    /** A route's own plugin may need the peer: it is made after it, and never joins the peer's chain. */
    static final class RouteScoped implements io.teleport.plugin.PostReadPullBody {
        final List<String> seen = new CopyOnWriteArrayList<>();

        RouteScoped(SessionTemplate template) {
        }

        @Override
        public @Nullable Rerror postReadPullBody(ReadContext ctx) {
            seen.add(ctx.input().uri());
            return null;
        }
    }

    @io.teleport.spring.annotation.PullController(plugins = RouteScoped.class)
    static final class Scoped {
        public String who(String name) {
            return name;
        }
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static final class SwitchedOffPlugin {
        @org.springframework.context.annotation.Bean
        PostReadPullHeader audit() {
            // A plugin a setting switches off.
            return null;
        }
    }

    @Test
    void aRoutesOwnPluginThatNeedsThePeerAndANullPluginBeanStartAsBefore() {
        runner.withPropertyValues(SERVER, "teleport.client.address=127.0.0.1:1").withBean(RouteScoped.class)
                .withBean(Scoped.class).withUserConfiguration(SwitchedOffPlugin.class).run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    Peer server = ctx.getBean(Peer.class);
                    assertThat(server.plugins()).doesNotContain(ctx.getBean(RouteScoped.class));
                    int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
                    try (Peer client = new Peer(PeerConfig.defaults())) {
                        assertThat(client.dial("127.0.0.1:" + port).pull("/scoped/who", "me", String.class)).isEqualTo("me");
                    }
                    assertThat(ctx.getBean(RouteScoped.class).seen).containsExactly("/scoped/who");
                });
    }

    @Test
    void aPluginHoldingTheSessionsBeanJoinsTheChainAndSeesThePeersSessions() {
        runner.withPropertyValues(SERVER).withBean(Presence.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Peer server = ctx.getBean(Peer.class);
            assertThat(server.plugins()).contains(ctx.getBean(Presence.class));
            server.pullRouter().route("/who", String.class, (s, c) -> s);
            int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
            try (Peer client = new Peer(PeerConfig.defaults())) {
                assertThat(client.dial("127.0.0.1:" + port).pull("/who", "me", String.class)).isEqualTo("me");
            }
            assertThat(ctx.getBean(Presence.class).counts).containsExactly(1);
        });
    }

    @Test
    void aPluginThatNeedsThePeerFailsStartUpSayingSoInsteadOfBeingLeftOutOfTheChain() {
        runner.withPropertyValues(SERVER, "teleport.client.address=127.0.0.1:1").withBean(NeedsTemplate.class)
                .run(ctx -> assertThat(ctx).hasFailed().getFailure().rootCause().isInstanceOf(
                        org.springframework.beans.factory.BeanCurrentlyInCreationException.class));
        runner.withPropertyValues(SERVER, "teleport.client.address=127.0.0.1:1").withBean(NeedsTemplate.class)
                .run(ctx -> assertThat(ctx.getStartupFailure()).hasStackTraceContaining(
                        "Teleport plugin bean 'pluginOrderTests.NeedsTemplate' depends, directly or through other beans, on the Peer"));
    }

    @Test
    void theBuiltInPluginsComeFirstInTheDocumentedOrder() {
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret", "teleport.heartbeat.ping-rate=1m")
                .withBean(Unordered.class).withBean(Forbidding.class).withBean(SimpleMeterRegistry.class)
                .withBean(ProxyPlugin.class, () -> new ProxyPlugin(ctx -> ctx.session()))
                .run(ctx -> {
                    List<String> names = ctx.getBean(Peer.class).plugins().stream().map(Plugin::name).toList();
                    assertThat(names).containsExactly("auth", "heartbeat-ping", "micrometer", "proxy", "Forbidding",
                            "Unordered");
                });
    }

    @RegisterExtension
    final LogCapture log = LogCapture.of(TeleportAutoConfiguration.class.getName(), Level.WARN);

    @Test
    void anEmptyTokenAsTheReadmeWritesItWithTheVariableUnsetIsNoAuth() {
        // teleport.auth.token: ${TELEPORT_TOKEN:} on a listening peer: an auth plugin with nothing to
        // accept would refuse every client.
        runner.withPropertyValues(SERVER, "teleport.auth.token=${TELEPORT_TOKEN_NOT_SET_IN_THIS_TEST:}")
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(AuthPlugin.class));
        runner.withPropertyValues(SERVER, "teleport.auth.token=")
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(AuthPlugin.class));
        runner.withPropertyValues(SERVER, "teleport.auth.token=t")
                .run(ctx -> assertThat(ctx).hasSingleBean(AuthPlugin.class));
    }

    @Test
    void anAuthPluginBeanOfTheApplicationSaysTheAuthPropertiesItReplacesAreUnused() {
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret")
                .withBean("myAuth", AuthPlugin.class, () -> AuthPlugin.server(t -> null, Duration.ofSeconds(5)))
                .run(ctx -> {
                    assertThat(ctx.getBean(Peer.class).plugins()).filteredOn(p -> p instanceof AuthPlugin).hasSize(1);
                    assertThat(log.warnings("the AuthPlugin bean [myAuth] replaces the one teleport.auth.token"))
                            .hasSize(1);
                });
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret")
                .run(ctx -> assertThat(log.warnings("replaces the one")).as("the properties' own plugin").hasSize(1));
    }

    @Test
    void aShutdownTimeoutLongerThanSpringWaitsIsCutWithAWarning() {
        runner.withPropertyValues(SERVER, "teleport.shutdown-timeout=60s").run(ctx -> assertThat(
                log.warnings("teleport.shutdown-timeout 1m is cut to 27s")).singleElement().asString()
                .contains("spring.lifecycle.timeout-per-shutdown-phase (30s)"));
        runner.withPropertyValues(SERVER, "teleport.shutdown-timeout=60s", "spring.lifecycle.timeout-per-shutdown-phase=70s")
                .run(ctx -> assertThat(log.warnings("is cut to")).as("only the first context's").hasSize(1));
    }

    @Test
    void aPeerNotYetAuthenticatedMaySendFramesOfTheUnverifiedReadLimitAtMost() {
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret").run(ctx -> assertThat(ctx
                .getBean(AuthPlugin.class).unverifiedReadLimit()).isEqualTo(AuthPlugin.DEFAULT_UNVERIFIED_READ_LIMIT));
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret", "teleport.auth.token=secret",
                "teleport.auth.unverified-read-limit=1KB").run(ctx -> {
                    Peer client = new Peer(PeerConfig.defaults());
                    try {
                        Session session = client.dial("127.0.0.1:" + port(ctx));
                        assertThatThrownBy(() -> session.pull("/anything", "x".repeat(500), String.class))
                                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
                        assertThatThrownBy(() -> session.pull("/anything", "x".repeat(2000), String.class))
                                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isNotEqualTo(401));
                        await().until(() -> !session.isHealthy());
                    } finally {
                        client.close();
                    }
                });
    }

    @Test
    void anUnauthenticatedPeerIsRefusedByAuthBeforeAnyApplicationPlugin() {
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret").withBean(Forbidding.class)
                .run(ctx -> {
                    Peer client = new Peer(PeerConfig.defaults());
                    try {
                        Session session = client.dial("127.0.0.1:" + port(ctx));
                        assertThatThrownBy(() -> session.pull("/anything", null, String.class))
                                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
                        assertThat(ctx.getBean(Forbidding.class).seen).as("nothing from an unauthenticated peer").isEmpty();
                    } finally {
                        client.close();
                    }
                });
    }

    @Test
    void applicationPluginsDoNotSeeTheHandshakeUnlessOrderedBeforeAuth() {
        runner.withPropertyValues(SERVER, "teleport.auth.accepted-tokens=secret").withBean(Forbidding.class)
                .withBean(Watching.class).run(server -> new ApplicationContextRunner()
                        .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                        .withPropertyValues("teleport.client.address=127.0.0.1:" + port(server), "teleport.auth.token=secret")
                        .withBean(Outgoing.class).run(client -> {
                            SessionTemplate template = client.getBean(SessionTemplate.class);
                            assertThatThrownBy(() -> template.pull("/orders/list", null, String.class))
                                    .as("authenticated; then the application's own refusal")
                                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(403));
                            assertThat(server.getBean(Forbidding.class).seen).containsExactly("/orders/list");
                            assertThat(server.getBean(Watching.class).seen).containsExactly(AuthPlugin.URI, "/orders/list");
                            assertThat(client.getBean(Outgoing.class).seen).as("the dialing side too")
                                    .containsExactly("/orders/list");
                        }));
    }

    private static int port(ConfigurableApplicationContext ctx) {
        return ((InetSocketAddress) ctx.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
    }
}
