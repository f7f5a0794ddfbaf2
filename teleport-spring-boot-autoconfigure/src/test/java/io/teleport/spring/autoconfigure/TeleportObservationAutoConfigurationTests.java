package io.teleport.spring.autoconfigure;

import io.micrometer.common.KeyValues;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.plugin.Plugin;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.observation.DefaultTeleportServerObservationConvention;
import io.teleport.spring.observation.TeleportObservationPlugin;
import io.teleport.spring.observation.TeleportServerContext;
import io.teleport.spring.observation.TeleportServerObservationConvention;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With an {@link ObservationRegistry} the pulls are observed (before the Micrometer plugin in the
 * chain), a convention bean replaces the default, and the pull timers are recorded once, from the
 * observations; {@code teleport.observations.enabled=false} goes back to the plugin's own timers.
 */
class TeleportObservationAutoConfigurationTests {

    private static final String SERVER = "teleport.server.listen-address=127.0.0.1:0";

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportMetricsAutoConfiguration.class, TeleportObservationAutoConfiguration.class))
            .withUserConfiguration(Registries.class);

    @Configuration(proxyBeanMethods = false)
    static class Registries {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ObservationRegistry observationRegistry(MeterRegistry meters) {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
            return registry;
        }

        @Bean
        TeleportServerObservationConvention tenantConvention() {
            return new DefaultTeleportServerObservationConvention() {
                @Override
                public KeyValues getLowCardinalityKeyValues(TeleportServerContext context) {
                    return super.getLowCardinalityKeyValues(context).and("tenant", "blue");
                }
            };
        }
    }

    @Test
    void pullsAreObservedWithTheConventionBeanAndTimedOnce() {
        runner.withPropertyValues(SERVER).run(ctx -> {
            assertThat(ctx).hasSingleBean(TeleportObservationPlugin.class);
            Peer server = ctx.getBean(Peer.class);
            List<Plugin> plugins = server.plugins();
            assertThat(plugins.indexOf(ctx.getBean(TeleportObservationPlugin.class)))
                    .isLessThan(plugins.indexOf(ctx.getBean(MicrometerPlugin.class)));
            server.pullRouter().route("/echo", String.class, (body, c) -> body);
            pull(server);
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            await().untilAsserted(() -> assertThat(meters.get("teleport.pull.handle").tag("route", "/echo")
                    .tag("code", "0").tag("tenant", "blue").timer().count()).isEqualTo(1));
            assertThat(meters.get("teleport.pull.handle").timers()).as("not also timed by the plugin").hasSize(1);
        });
    }

    @Test
    void turnedOffThePluginTimesPullsItself() {
        runner.withPropertyValues(SERVER, "teleport.observations.enabled=false").run(ctx -> {
            assertThat(ctx).doesNotHaveBean(TeleportObservationPlugin.class);
            Peer server = ctx.getBean(Peer.class);
            server.pullRouter().route("/echo", String.class, (body, c) -> body);
            pull(server);
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            await().untilAsserted(() -> assertThat(meters.get("teleport.pull.handle").tag("route", "/echo")
                    .tag("code", "0").timer().count()).isEqualTo(1));
            assertThat(meters.get("teleport.pull.handle").timer().getId().getTag("tenant")).isNull();
        });
    }

    private void pull(Peer server) {
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        assertThat(peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port).pull("/echo", "x", String.class))
                .isEqualTo("x");
    }
}
