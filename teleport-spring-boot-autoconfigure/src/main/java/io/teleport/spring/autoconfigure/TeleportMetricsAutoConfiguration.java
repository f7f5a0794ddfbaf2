package io.teleport.spring.autoconfigure;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.teleport.Peer;
import io.teleport.plugins.AuthPlugin;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.observation.TeleportObservationPlugin;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.annotation.Order;

/**
 * Micrometer meters of the peer (see {@link MicrometerPlugin}): present when Micrometer is on the
 * class path and a {@link MeterRegistry} bean exists; {@code teleport.metrics.enabled=false} turns it off.
 * When {@link TeleportObservationAutoConfiguration} observes pulls, the {@code teleport.pull.*} timers
 * come from those observations and the plugin records the other meters.
 */
@AutoConfiguration(before = TeleportAutoConfiguration.class, afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({Peer.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@Conditional(OnTeleportRoleCondition.class)
@ConditionalOnBooleanProperty(name = "teleport.metrics.enabled", matchIfMissing = true)
public final class TeleportMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @Order(TeleportPluginOrder.METRICS)
    MicrometerPlugin teleportMicrometerPlugin(MeterRegistry registry,
            ObjectProvider<TeleportObservationPlugin> observations) {
        // With observations, the pull timers come from them (DefaultMeterObservationHandler), not twice.
        return new MicrometerPlugin(registry, observations.getIfAvailable() == null);
    }

    /**
     * {@code teleport.auth.refused}: what the {@link AuthPlugin} refused (tokens, calls before the
     * handshake, sessions that sent none in time), when there is one. Read when scraped, from the
     * plugin bean, which the context holds for the meter.
     */
    @Bean
    MeterBinder teleportAuthMeters(ObjectProvider<AuthPlugin> auth) {
        return registry -> {
            AuthPlugin plugin = auth.getIfUnique();
            if (plugin != null) {
                FunctionCounter.builder("teleport.auth.refused", plugin, AuthPlugin::refusals)
                        .description("Tokens, calls and sessions the auth plugin refused").register(registry);
            }
        };
    }
}
