package io.teleport.spring.autoconfigure;

import io.teleport.spring.diagnostics.TeleportConfigurationException;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PostAccept;
import io.teleport.plugins.AuthPlugin;
import io.teleport.plugins.HeartbeatPlugin;
import io.teleport.spring.actuate.TeleportHealthIndicator;
import io.teleport.spring.actuate.TeleportSessionsEndpoint;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.lifecycle.TeleportPeerLifecycle;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every condition of the auto-configuration, with ApplicationContextRunner. */
class TeleportAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportMetricsAutoConfiguration.class, TeleportActuatorAutoConfiguration.class));

    private static final String SERVER = "teleport.server.listen-address=127.0.0.1:0";
    private static final String CLIENT = "teleport.client.address=127.0.0.1:1";

    @Test
    void neitherRoleMeansNoPeer() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(Peer.class).doesNotHaveBean(TeleportSessions.class)
                    .doesNotHaveBean(MicrometerPlugin.class);
        });
    }

    @Test
    void enabledRunsAPeerWithoutARoleForDialsOfTheApplicationsOwn() {
        Peer server = new Peer(io.teleport.config.PeerConfig.defaults());
        try {
            server.pullRouter().route("/hello", String.class, (body, c) -> "hello " + body);
            int port = ((java.net.InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            runner.withPropertyValues("teleport.enabled=true").run(ctx -> {
                assertThat(ctx).hasNotFailed().hasSingleBean(Peer.class).hasSingleBean(TeleportSessions.class)
                        .doesNotHaveBean(SessionTemplate.class);
                Peer peer = ctx.getBean(Peer.class);
                assertThat(peer.dial("127.0.0.1:" + port).pull("/hello", "device-7", String.class)).isEqualTo("hello device-7");
            });
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void notEnabledMeansNoPeerWhateverIsConfigured() {
        runner.withPropertyValues("teleport.enabled=false", SERVER, CLIENT).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(Peer.class).doesNotHaveBean(TeleportSessions.class)
                    .doesNotHaveBean(SessionTemplate.class);
        });
    }

    @Test
    void serverOnly() {
        runner.withPropertyValues(SERVER).run(ctx -> {
            assertThat(ctx).hasSingleBean(Peer.class).hasSingleBean(TeleportPeerLifecycle.class)
                    .hasSingleBean(TeleportSessions.class).doesNotHaveBean(SessionTemplate.class);
            Peer peer = ctx.getBean(Peer.class);
            assertThat(peer.listenAddresses()).as("the lifecycle started listening").hasSize(1);
            assertThat(ctx.getBean(SessionTemplates.class).names()).isEmpty();
        });
    }

    @Test
    void aStoppedContextSaysWhyItsPeerCannotStartAgain() {
        runner.withPropertyValues(SERVER).run(ctx -> {
            ctx.stop();
            assertThat(ctx.getBean(Peer.class).isClosed()).isTrue();
            assertThatThrownBy(ctx::start).rootCause().hasMessageContaining("cannot start again")
                    .hasMessageNotContaining("listen-address");
        });
    }

    @Test
    void clientOnly() {
        runner.withPropertyValues(CLIENT).run(ctx -> {
            assertThat(ctx).hasSingleBean(Peer.class).hasSingleBean(SessionTemplate.class);
            assertThat(ctx.getBean(Peer.class).listenAddresses()).as("a client does not listen").isEmpty();
            assertThat(ctx.getBean(SessionTemplate.class).address()).isEqualTo("127.0.0.1:1");
        });
    }

    @Test
    void bothRolesAndNamedRemotes() {
        runner.withPropertyValues(SERVER, CLIENT, "teleport.clients.billing.address=127.0.0.1:2",
                "teleport.clients.audit.address=127.0.0.1:3").run(ctx -> {
                    assertThat(ctx).hasSingleBean(SessionTemplate.class);
                    assertThat(ctx.getBean(Peer.class).listenAddresses()).hasSize(1);
                    SessionTemplates templates = ctx.getBean(SessionTemplates.class);
                    assertThat(templates.names()).containsExactlyInAnyOrder("billing", "audit");
                    assertThat(templates.get("billing").address()).isEqualTo("127.0.0.1:2");
                });
        runner.withPropertyValues("teleport.clients.only.address=127.0.0.1:2").run(ctx ->
                assertThat(ctx).hasSingleBean(Peer.class).doesNotHaveBean(SessionTemplate.class));
    }

    @Test
    void aNamedRemoteCannotTakeTheNameOfTheDefaultOne() {
        runner.withPropertyValues(CLIENT, "teleport.clients.default.address=127.0.0.1:2").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.clients.default")
                        .hasStackTraceContaining("'default' is the name of teleport.client"));
        runner.withPropertyValues(CLIENT, "teleport.clients.billing.address=127.0.0.1:2").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(SessionTemplates.class).get("default"))
                        .isInstanceOf(NoSuchElementException.class)
                        .hasMessageContaining("known: [billing]").hasMessageContaining("the SessionTemplate bean"));
    }

    @Test
    void propertiesReachThePeerConfig() {
        runner.withPropertyValues(CLIENT, "teleport.read-limit=1MB", "teleport.slow-comet-duration=500ms",
                "teleport.print-body=true", "teleport.count-time=true", "teleport.pull-timeout=3s",
                "teleport.redial.times=-1", "teleport.redial.interval=50ms", "teleport.handler.execution=inline",
                "teleport.socket.receive-buffer-size=64KB", "teleport.socket.no-delay=false",
                "teleport.server.reuse-port=true", "teleport.shutdown-timeout=7s", "teleport.local-ip=127.0.0.2").run(ctx -> {
                    PeerConfig config = ctx.getBean(PeerConfig.class);
                    assertThat(config.readLimit()).isEqualTo(1024 * 1024);
                    assertThat(config.slowCometDuration()).isEqualTo(Duration.ofMillis(500));
                    assertThat(config.printBody()).isTrue();
                    assertThat(config.countTime()).isTrue();
                    assertThat(config.pullTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(config.redialTimes()).isEqualTo(-1);
                    assertThat(config.redialInterval()).isEqualTo(Duration.ofMillis(50));
                    assertThat(config.handlerExecution()).isEqualTo(HandlerExecution.INLINE);
                    assertThat(config.receiveBufferSize()).isEqualTo(64 * 1024);
                    assertThat(config.noDelay()).isFalse();
                    assertThat(config.reusePort()).isTrue();
                    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.localIp()).isEqualTo("127.0.0.2");
                });
    }

    @Test
    void everyLimitReachesThePeerConfig() {
        runner.withPropertyValues(CLIENT, "teleport.limits.max-inflight-per-session=7",
                "teleport.limits.max-inflight-bytes-per-session=2MB", "teleport.limits.max-inbound-bytes=100MB",
                "teleport.limits.max-queue-wait=250ms", "teleport.limits.max-concurrent-handlers=33",
                "teleport.limits.write-buffer-low-water-mark=8KB", "teleport.limits.write-buffer-high-water-mark=32KB",
                "teleport.limits.max-outbound-bytes-per-session=3MB", "teleport.limits.max-uri-bytes=1KB",
                "teleport.limits.max-meta-bytes=2KB", "teleport.limits.max-meta-pairs=9",
                "teleport.limits.max-unpacked-bytes=5MB", "teleport.limits.frame-read-timeout=3s",
                "teleport.limits.handshake-timeout=0s", "teleport.limits.log-value-limit=40",
                "teleport.limits.write-stall-timeout=15s", "teleport.limits.max-connections=77",
                "teleport.limits.print-body-limit=1KB", "teleport.limits.max-connections-per-address=5",
                "teleport.limits.max-pending-pulls-per-session=300", "teleport.limits.max-pending-pulls=9000",
                "teleport.limits.message-log-rate=0", "teleport.limits.slow-call-log-rate=3").run(ctx -> {
                    Limits limits = ctx.getBean(PeerConfig.class).limits();
                    assertThat(limits.maxInflightPerSession()).isEqualTo(7);
                    assertThat(limits.maxInflightBytesPerSession()).isEqualTo(2L * 1024 * 1024);
                    assertThat(limits.maxInboundBytes()).isEqualTo(100L * 1024 * 1024);
                    assertThat(limits.maxQueueWait()).isEqualTo(Duration.ofMillis(250));
                    assertThat(limits.maxConcurrentHandlers()).isEqualTo(33);
                    assertThat(limits.writeBufferLowWaterMark()).isEqualTo(8 * 1024);
                    assertThat(limits.writeBufferHighWaterMark()).isEqualTo(32 * 1024);
                    assertThat(limits.maxOutboundBytesPerSession()).isEqualTo(3L * 1024 * 1024);
                    assertThat(limits.maxUriBytes()).isEqualTo(1024);
                    assertThat(limits.maxMetaBytes()).isEqualTo(2 * 1024);
                    assertThat(limits.maxMetaPairs()).isEqualTo(9);
                    assertThat(limits.maxUnpackedBytes()).isEqualTo(5 * 1024 * 1024);
                    assertThat(limits.frameReadTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(limits.handshakeTimeout()).isZero();
                    assertThat(limits.writeStallTimeout()).isEqualTo(Duration.ofSeconds(15));
                    assertThat(limits.maxConnections()).isEqualTo(77);
                    assertThat(limits.maxConnectionsPerAddress()).isEqualTo(5);
                    assertThat(limits.maxPendingPullsPerSession()).isEqualTo(300);
                    assertThat(limits.maxPendingPulls()).isEqualTo(9000);
                    assertThat(limits.logValueLimit()).isEqualTo(40);
                    assertThat(limits.printBodyLimit()).isEqualTo(1024);
                    assertThat(limits.messageLogRate()).isZero();
                    assertThat(limits.slowCallLogRate()).isEqualTo(3);
                    assertThat(ctx.getBean(Peer.class).config().limits()).as("the peer runs with them").isSameAs(limits);
                });
    }

    @Test
    void unsetLimitsAreTheCoreDefaults() {
        runner.withPropertyValues(CLIENT).run(ctx -> {
            PeerConfig config = ctx.getBean(PeerConfig.class);
            assertThat(config.limits()).usingRecursiveComparison().isEqualTo(Limits.defaults());
            assertThat(config.readLimit()).isEqualTo(PeerConfig.DEFAULT_READ_LIMIT);
            assertThat(config.handlerQueueCapacity()).isEqualTo(PeerConfig.defaults().handlerQueueCapacity());
            assertThat(config.asyncHandlerTimeout()).isEqualTo(PeerConfig.defaults().asyncHandlerTimeout());
        });
        runner.withPropertyValues(CLIENT, "teleport.handler.async-timeout=5m").run(ctx ->
                assertThat(ctx.getBean(PeerConfig.class).asyncHandlerTimeout()).isEqualTo(Duration.ofMinutes(5)));
        // An empty value keeps the core's default rather than failing or meaning zero.
        runner.withPropertyValues(CLIENT, "teleport.limits.max-uri-bytes=", "teleport.limits.max-inbound-bytes=",
                "teleport.limits.max-queue-wait=").run(ctx -> {
                    Limits limits = ctx.getBean(PeerConfig.class).limits();
                    assertThat(limits.maxUriBytes()).isEqualTo(Limits.defaults().maxUriBytes());
                    assertThat(limits.maxInboundBytes()).isEqualTo(Limits.defaults().maxInboundBytes());
                    assertThat(limits.maxQueueWait()).isEqualTo(Limits.defaults().maxQueueWait());
                });
    }

    @Test
    void badLimitsFailStartUpNamingTheKey() {
        assertFailsWith("teleport.limits.max-inflight-per-session=0",
                "teleport.limits.max-inflight-per-session: 0 (expected: >= 1)");
        assertFailsWith("teleport.limits.max-inflight-bytes-per-session=1B",
                "teleport.limits.max-inflight-bytes-per-session: 1");
        assertFailsWith("teleport.limits.max-inbound-bytes=1KB", "teleport.limits.max-inbound-bytes: 1024");
        assertFailsWith("teleport.limits.max-queue-wait=-1s", "teleport.limits.max-queue-wait: -1s");
        assertFailsWith("teleport.limits.max-concurrent-handlers=0", "teleport.limits.max-concurrent-handlers:");
        assertFailsWith("teleport.limits.write-buffer-low-water-mark=-1B", "teleport.limits.write-buffer-low-water-mark:");
        runner.withPropertyValues(CLIENT, "teleport.limits.write-buffer-low-water-mark=64KB",
                "teleport.limits.write-buffer-high-water-mark=32KB").run(ctx -> assertThat(ctx).getFailure()
                        .hasStackTraceContaining("teleport.limits.write-buffer-high-water-mark: the low water mark "
                                + "(64KB) is above the high water mark (32KB)"));
        assertFailsWith("teleport.limits.max-outbound-bytes-per-session=10B", "teleport.limits.max-outbound-bytes-per-session:");
        assertFailsWith("teleport.limits.max-uri-bytes=0B", "teleport.limits.max-uri-bytes: 0 (expected: >= 1)");
        assertFailsWith("teleport.limits.max-meta-bytes=-1B", "teleport.limits.max-meta-bytes:");
        assertFailsWith("teleport.limits.max-meta-pairs=-1", "teleport.limits.max-meta-pairs:");
        assertFailsWith("teleport.limits.max-unpacked-bytes=4GB", "teleport.limits.max-unpacked-bytes: 4GB (expected: below 2GB)");
        assertFailsWith("teleport.limits.frame-read-timeout=-5ms", "teleport.limits.frame-read-timeout:");
        assertFailsWith("teleport.limits.handshake-timeout=-1s", "teleport.limits.handshake-timeout:");
        assertFailsWith("teleport.limits.write-stall-timeout=-1s", "teleport.limits.write-stall-timeout:");
        assertFailsWith("teleport.limits.max-connections=0", "teleport.limits.max-connections: 0 (expected: >= 1)");
        assertFailsWith("teleport.limits.max-connections-per-address=-1",
                "teleport.limits.max-connections-per-address: -1 (expected: >= 0)");
        assertFailsWith("teleport.limits.max-pending-pulls-per-session=0",
                "teleport.limits.max-pending-pulls-per-session: 0 (expected: >= 1)");
        assertFailsWith("teleport.limits.max-pending-pulls=-1", "teleport.limits.max-pending-pulls: -1 (expected: >= 1)");
        assertFailsWith("teleport.limits.message-log-rate=-1", "teleport.limits.message-log-rate: -1 (expected: >= 0)");
        assertFailsWith("teleport.limits.log-value-limit=1", "teleport.limits.log-value-limit: 1 (expected: >= 16)");
        assertFailsWith("teleport.limits.print-body-limit=-1B", "teleport.limits.print-body-limit:");
        assertFailsWith("teleport.limits.max-uri-bytes=lots", "teleport.limits.max-uri-bytes");
    }

    private void assertFailsWith(String property, String message) {
        runner.withPropertyValues(CLIENT, property).run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining(message));
    }

    @Test
    void virtualThreadsFollowSpringThreadsVirtualEnabledUnlessChosen() {
        runner.withPropertyValues(CLIENT, "spring.threads.virtual.enabled=true").run(ctx -> {
            HandlerExecution expected = Runtime.version().feature() >= 21 ? HandlerExecution.VIRTUAL : HandlerExecution.POOL;
            assertThat(ctx.getBean(PeerConfig.class).handlerExecution()).isEqualTo(expected);
        });
        runner.withPropertyValues(CLIENT, "spring.threads.virtual.enabled=true", "teleport.handler.execution=pool")
                .run(ctx -> assertThat(ctx.getBean(PeerConfig.class).handlerExecution()).isEqualTo(HandlerExecution.POOL));
        runner.withPropertyValues(CLIENT).run(ctx ->
                assertThat(ctx.getBean(PeerConfig.class).handlerExecution()).isEqualTo(HandlerExecution.POOL));
    }

    @Test
    void hugeDurationsStartThePeerAndCountAsFiftyYears() {
        // "Forever" written as a huge value: past the 292 years a long of nanoseconds holds.
        runner.withPropertyValues(CLIENT, "teleport.pull-timeout=1000000d", "teleport.read-idle-timeout=1000000d",
                "teleport.shutdown-timeout=1000000d", "teleport.redial.max-interval=1000000d",
                "teleport.heartbeat.ping-rate=1000000d", "teleport.limits.write-stall-timeout=1000000d").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    PeerConfig config = ctx.getBean(PeerConfig.class);
                    Duration fiftyYears = Duration.ofDays(50L * 365);
                    assertThat(config.pullTimeout()).isEqualTo(fiftyYears);
                    assertThat(config.readIdleTimeout()).isEqualTo(fiftyYears);
                    assertThat(config.shutdownTimeout()).isEqualTo(fiftyYears);
                    assertThat(config.limits().writeStallTimeout()).isEqualTo(fiftyYears);
                });
    }

    @Test
    void badValuesFailStartUpNamingTheKey() {
        runner.withPropertyValues(CLIENT, "teleport.read-limit=1B").run(ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("teleport.read-limit"));
        runner.withPropertyValues(CLIENT, "teleport.network=unixpacket").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.network: unixpacket is not supported"));
        runner.withPropertyValues(CLIENT, "teleport.local-ip=my-host").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.local-ip: my-host"));
        runner.withPropertyValues(CLIENT, "teleport.pull-timeout=0s").run(ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("teleport.pull-timeout"));
        runner.withPropertyValues(CLIENT, "teleport.handler.threads=0").run(ctx ->
                assertThat(ctx).getFailure().rootCause().hasMessageContaining("teleport.handler.threads"));
        runner.withPropertyValues(CLIENT, "teleport.default-body-codec=xml").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.default-body-codec"));
        runner.withPropertyValues(CLIENT, "teleport.slow-comet-duration=soon").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.slow-comet-duration"));
        runner.withPropertyValues(CLIENT, "teleport.ssl.bundle=missing").run(ctx ->
                assertThat(ctx).getFailure().hasStackTraceContaining("teleport.ssl.bundle"));
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {
        @Bean
        Peer userPeer() {
            return new Peer(PeerConfig.defaults());
        }

        @Bean
        SessionTemplate userTemplate(Peer peer) {
            return new SessionTemplate(peer, "mine", "127.0.0.1:9");
        }
    }

    @Test
    void userSuppliedBeansWin() {
        runner.withPropertyValues(SERVER, CLIENT).withUserConfiguration(UserBeans.class).run(ctx -> {
            assertThat(ctx.getBeanNamesForType(Peer.class)).containsExactly("userPeer");
            assertThat(ctx.getBeanNamesForType(SessionTemplate.class)).containsExactly("userTemplate");
        });
        runner.withPropertyValues(CLIENT).withBean("customConfig", PeerConfig.class,
                () -> PeerConfig.builder().readLimit(4096).build()).run(ctx ->
                assertThat(ctx.getBean(Peer.class).config().readLimit()).isEqualTo(4096));
    }

    @Order(2)
    static final class Second implements PostAccept {
        @Override
        public io.teleport.message.Rerror postAccept(io.teleport.session.Session session) {
            return null;
        }
    }

    @Order(1)
    static final class First implements PostAccept {
        @Override
        public io.teleport.message.Rerror postAccept(io.teleport.session.Session session) {
            return null;
        }
    }

    @Test
    void pluginBeansJoinTheChainInOrder() {
        runner.withPropertyValues(CLIENT, "teleport.auth.token=t", "teleport.heartbeat.ping-rate=1s")
                .withBean(Second.class).withBean(First.class).run(ctx -> {
                    List<String> names = ctx.getBean(Peer.class).plugins().stream().map(Plugin::name).toList();
                    assertThat(names).containsSubsequence("First", "Second");
                    assertThat(names).contains("auth", "heartbeat-ping");
                    assertThat(ctx).hasSingleBean(AuthPlugin.class);
                    assertThat(ctx.getBeansOfType(HeartbeatPlugin.class)).hasSize(1);
                });
    }

    @RegisterExtension
    final LogCapture configLog = LogCapture.of(TeleportAutoConfiguration.class.getName(), Level.WARN);

    @Test
    void aHeartbeatRateUnderASecondWithItsUnitIsLegalButWarned() {
        runner.withPropertyValues(CLIENT, "teleport.heartbeat.ping-rate=10ms", "teleport.heartbeat.pong-rate=30s").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(configLog.warnings("teleport.heartbeat.ping-rate is 10ms")).singleElement().asString()
                    .contains("A number without a unit is in milliseconds; write 30s for seconds");
            assertThat(configLog.warnings("pong-rate")).isEmpty();
        });
    }

    @Test
    void aHeartbeatRateUnderASecondWithoutAUnitFailsStartUp() {
        runner.withPropertyValues(CLIENT, "teleport.heartbeat.pong-rate=10").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(TeleportConfigurationException.class)
                    .hasMessageContaining("teleport.heartbeat.pong-rate: 10 has no unit, so it is 10 milliseconds");
        });
        // A second or more without a unit is milliseconds too, but a rate no one is hurt by.
        runner.withPropertyValues(CLIENT, "teleport.heartbeat.pong-rate=30000").run(ctx -> assertThat(ctx).hasNotFailed());
    }

    /** A codec of the application's. */
    record XmlCodec() implements io.teleport.codec.Codec {
        @Override
        public byte id() {
            return 'x';
        }

        @Override
        public String name() {
            return "xml";
        }

        @Override
        public void encode(Object body, io.netty.buffer.ByteBuf out) {
            out.writeCharSequence("<x/>", java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public Object decode(byte[] bytes, java.lang.reflect.Type type) {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** A transfer filter of the application's. */
    record NoopFilter() implements io.teleport.xfer.XferFilter {
        @Override
        public byte id() {
            return 'n';
        }

        @Override
        public String name() {
            return "noop";
        }

        @Override
        public io.netty.buffer.ByteBuf pack(io.netty.buffer.ByteBuf in, io.netty.buffer.ByteBufAllocator alloc) {
            return in.retainedDuplicate();
        }

        @Override
        public io.netty.buffer.ByteBuf unpack(io.netty.buffer.ByteBuf in, io.netty.buffer.ByteBufAllocator alloc, int max) {
            return in.retainedDuplicate();
        }
    }

    @Test
    void codecFilterAndProtocolBeansAreRegistered() {
        io.teleport.proto.Proto proto = new io.teleport.proto.Proto() {
            @Override
            public String name() {
                return "custom";
            }

            @Override
            public io.netty.buffer.ByteBuf encode(io.teleport.message.Packet p, io.teleport.proto.ProtoContext c,
                    io.netty.buffer.ByteBufAllocator a) {
                return io.teleport.proto.FastProto.INSTANCE.encode(p, c, a);
            }

            @Override
            public io.teleport.message.Packet decode(io.netty.buffer.ByteBuf in, io.teleport.proto.ProtoContext c,
                    io.netty.buffer.ByteBufAllocator a) {
                return io.teleport.proto.FastProto.INSTANCE.decode(in, c, a);
            }
        };
        runner.withPropertyValues(CLIENT, "teleport.default-body-codec=xml").withBean(XmlCodec.class)
                .withBean(NoopFilter.class).withBean(io.teleport.proto.Proto.class, () -> proto).run(ctx -> {
                    Peer peer = ctx.getBean(Peer.class);
                    assertThat(peer.codecs().byName("xml")).isInstanceOf(XmlCodec.class);
                    assertThat(peer.xferFilters().get((byte) 'n')).isInstanceOf(NoopFilter.class);
                    assertThat(peer.config().defaultBodyCodec()).isEqualTo("xml");
                });
    }

    /** A generic base controller. */
    public abstract static class Crud<T> {
        /** Echoes the decoded body's class. */
        public String save(T body) {
            return body.getClass().getSimpleName();
        }
    }

    /** A record the generic controller binds to. */
    public record User(String name) {
    }

    /** A controller with methods that must never be routes. */
    @io.teleport.spring.annotation.PullController
    public static class Users extends Crud<User> implements org.springframework.beans.factory.DisposableBean {
        /** An injection method. */
        @org.springframework.beans.factory.annotation.Autowired
        public void setEnvironment(org.springframework.core.env.Environment environment) {
        }

        @Override
        public void destroy() {
        }

        @Override
        public String toString() {
            return "users";
        }
    }

    @Test
    void onlyApplicationMethodsBecomeRoutesAndGenericBodiesResolve() {
        runner.withPropertyValues(SERVER).withBean(Users.class).run(ctx -> {
            Peer server = ctx.getBean(Peer.class);
            assertThat(server.pullRouter().routes()).extracting(io.teleport.router.Route::path).containsExactly("/users/save");
            Peer client = new Peer(PeerConfig.defaults());
            try {
                int port = ((java.net.InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
                assertThat(client.dial("127.0.0.1:" + port).pull("/users/save", new User("ann"), String.class))
                        .isEqualTo("User");
            } finally {
                client.close();
            }
        });
    }

    @Test
    void aBlankListenAddressIsNoServer() {
        runner.withPropertyValues("teleport.server.listen-address=").run(ctx -> assertThat(ctx).doesNotHaveBean(Peer.class));
        runner.withPropertyValues("teleport.server.listen-address=", CLIENT).run(ctx -> {
            assertThat(ctx.getBean(Peer.class).listenAddresses()).isEmpty();
            assertThat(ctx.getBean(TeleportHealthIndicator.class).health(true).getStatus())
                    .isEqualTo(org.springframework.boot.health.contributor.Status.UP);
        });
    }

    @Test
    void micrometerOnlyWithARegistry() {
        runner.withPropertyValues(CLIENT).withBean(SimpleMeterRegistry.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(MicrometerPlugin.class);
            assertThat(ctx.getBean(Peer.class).plugins()).contains(ctx.getBean(MicrometerPlugin.class));
        });
        runner.withPropertyValues(CLIENT).run(ctx -> assertThat(ctx).doesNotHaveBean(MicrometerPlugin.class));
        runner.withPropertyValues(CLIENT, "teleport.metrics.enabled=false").withBean(SimpleMeterRegistry.class)
                .run(ctx -> assertThat(ctx).doesNotHaveBean(MicrometerPlugin.class));
        runner.withPropertyValues(CLIENT).withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).hasSingleBean(Peer.class).doesNotHaveBean(MicrometerPlugin.class);
        });
    }

    @Test
    void actuatorSupportOnlyWhenActuatorIsPresent() {
        runner.withPropertyValues(SERVER).run(ctx ->
                assertThat(ctx).hasSingleBean(TeleportHealthIndicator.class).hasSingleBean(TeleportSessionsEndpoint.class));
        runner.withPropertyValues(SERVER).withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx).doesNotHaveBean(TeleportHealthIndicator.class)
                            .doesNotHaveBean(TeleportSessionsEndpoint.class);
                });
        runner.withPropertyValues(SERVER, "management.health.teleport.enabled=false").run(ctx ->
                assertThat(ctx).doesNotHaveBean(TeleportHealthIndicator.class));
    }

    @Test
    void tlsFromAnSslBundle(@TempDir Path dir) throws Exception {
        runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class)).withPropertyValues(pemBundle(dir))
                .withPropertyValues(SERVER, CLIENT, "teleport.ssl.bundle=tp", "teleport.ssl.client-auth=require")
                .run(ctx -> {
                    PeerConfig config = ctx.getBean(PeerConfig.class);
                    assertThat(config.serverSslContext()).isNotNull();
                    assertThat(config.clientSslContext()).isNotNull();
                });
    }

    @Test
    void tlsForOneRoleOnlyAGatewayWithTlsToItsClientsDialsAPlainBackend(@TempDir Path dir) throws Exception {
        String[] bundle = pemBundle(dir);
        Peer backend = new Peer(PeerConfig.defaults());
        try {
            backend.pullRouter().route("/stock", String.class, (sku, c) -> "plain " + sku);
            int port = ((java.net.InetSocketAddress) backend.listen("127.0.0.1:0", null)).getPort();
            runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class)).withPropertyValues(bundle)
                    .withPropertyValues(SERVER, "teleport.ssl.bundle=tp", "teleport.ssl.roles=server",
                            "teleport.clients.backend.address=127.0.0.1:" + port)
                    .run(ctx -> {
                        PeerConfig config = ctx.getBean(PeerConfig.class);
                        assertThat(config.serverSslContext()).isNotNull();
                        assertThat(config.clientSslContext()).isNull();
                        assertThat(ctx.getBean(SessionTemplates.class).get("backend").pull("/stock", "a1", String.class))
                                .isEqualTo("plain a1");
                    });
            runner.withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class)).withPropertyValues(bundle)
                    .withPropertyValues(CLIENT, "teleport.ssl.bundle=tp", "teleport.ssl.roles=client").run(ctx -> {
                        assertThat(ctx.getBean(PeerConfig.class).serverSslContext()).isNull();
                        assertThat(ctx.getBean(PeerConfig.class).clientSslContext()).isNotNull();
                    });
            runner.withPropertyValues(SERVER, "teleport.ssl.bundle=tp", "teleport.ssl.roles=client",
                    "teleport.ssl.client-auth=require").run(ctx ->
                    assertThat(ctx).getFailure().hasStackTraceContaining("with teleport.ssl.roles client they have no TLS"));
        } finally {
            backend.close();
        }
    }

    /** A PEM bundle {@code tp} for localhost, issued by a CA it trusts, written into {@code dir}. */
    private static String[] pemBundle(Path dir) throws Exception {
        X509Bundle ca = new CertificateBuilder().ecp256().subject("CN=ca").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle cert = new CertificateBuilder().ecp256().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").buildIssuedBy(ca);
        Path chain = Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePEM());
        Path key = Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM());
        Path trust = Files.writeString(dir.resolve("ca.pem"), ca.getCertificatePEM());
        return new String[] {"spring.ssl.bundle.pem.tp.keystore.certificate=" + chain.toUri(),
                "spring.ssl.bundle.pem.tp.keystore.private-key=" + key.toUri(),
                "spring.ssl.bundle.pem.tp.truststore.certificate=" + trust.toUri()};
    }
}
