package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.spring.actuate.RemoteHealthIndicator;
import io.teleport.spring.actuate.TeleportHealthIndicator;
import io.teleport.spring.actuate.TeleportSessionsEndpoint;
import io.teleport.spring.actuate.TeleportSessionsWebExtension;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Actuator support: the {@code teleport} health indicator, the {@code teleportRemotes} health of each
 * remote, and the {@code teleport} sessions endpoint,
 * with its web extension.
 */
@AutoConfiguration(after = TeleportAutoConfiguration.class)
@ConditionalOnClass(Peer.class)
public final class TeleportActuatorAutoConfiguration {

    /** The health indicator, when Spring Boot's health module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnBean(Peer.class)
    @ConditionalOnEnabledHealthIndicator("teleport")
    static class HealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "teleportHealthIndicator")
        TeleportHealthIndicator teleportHealthIndicator(Peer peer) {
            return new TeleportHealthIndicator(peer, peer.config().listenAddress() != null);
        }

        /** {@code teleportRemotes}: one indicator per remote, {@code default} for teleport.client, then by name. */
        @Bean
        @ConditionalOnMissingBean(name = "teleportRemotesHealthContributor")
        @Conditional(OnTeleportRoleCondition.Remotes.class)
        CompositeHealthContributor teleportRemotesHealthContributor(ObjectProvider<SessionTemplate> template,
                ObjectProvider<SessionTemplates> named) {
            Map<String, RemoteHealthIndicator> remotes = new LinkedHashMap<>();
            template.ifAvailable(t -> remotes.put(t.name(), new RemoteHealthIndicator(t)));
            named.ifAvailable(all -> all.names().forEach(n -> remotes.put(n, new RemoteHealthIndicator(all.get(n)))));
            return CompositeHealthContributor.fromMap(remotes);
        }
    }

    /** The sessions endpoint, when Spring Boot's actuator is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Endpoint.class)
    @ConditionalOnBean(Peer.class)
    static class EndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        TeleportSessionsEndpoint teleportSessionsEndpoint(Peer peer) {
            return new TeleportSessionsEndpoint(peer);
        }

        @Bean
        @ConditionalOnMissingBean
        TeleportSessionsWebExtension teleportSessionsWebExtension(TeleportSessionsEndpoint endpoint) {
            return new TeleportSessionsWebExtension(endpoint);
        }
    }
}
