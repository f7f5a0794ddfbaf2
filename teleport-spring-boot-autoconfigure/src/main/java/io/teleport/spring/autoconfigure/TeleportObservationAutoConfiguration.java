package io.teleport.spring.autoconfigure;

import io.micrometer.observation.ObservationRegistry;
import io.teleport.Peer;
import io.teleport.spring.observation.TeleportClientObservationConvention;
import io.teleport.spring.observation.TeleportObservationPlugin;
import io.teleport.spring.observation.TeleportServerObservationConvention;
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
 * Pulls observed through the application's {@link ObservationRegistry} (see
 * {@link TeleportObservationPlugin}), so that Boot's observation handlers make the
 * {@code teleport.pull.*} timers and, with Micrometer Tracing, spans propagated in message metadata.
 * Present when Micrometer's observation API is on the class path and an {@code ObservationRegistry}
 * bean exists (Boot's actuator makes one); {@code teleport.observations.enabled=false} turns it off.
 * {@link TeleportServerObservationConvention} and {@link TeleportClientObservationConvention} beans
 * replace the default naming.
 */
@AutoConfiguration(before = {TeleportAutoConfiguration.class, TeleportMetricsAutoConfiguration.class},
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass({Peer.class, ObservationRegistry.class})
@ConditionalOnBean(ObservationRegistry.class)
@Conditional(OnTeleportRoleCondition.class)
@ConditionalOnBooleanProperty(name = "teleport.observations.enabled", matchIfMissing = true)
public final class TeleportObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @Order(TeleportPluginOrder.OBSERVATION)
    TeleportObservationPlugin teleportObservationPlugin(ObservationRegistry registry,
            ObjectProvider<TeleportServerObservationConvention> server,
            ObjectProvider<TeleportClientObservationConvention> client) {
        return new TeleportObservationPlugin(registry, server.getIfUnique(), client.getIfUnique());
    }
}
