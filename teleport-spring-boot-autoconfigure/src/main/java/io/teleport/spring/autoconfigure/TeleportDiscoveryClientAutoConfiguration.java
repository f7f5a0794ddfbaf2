package io.teleport.spring.autoconfigure;

import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.spring.discovery.DiscoveredRemotes;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import java.util.ArrayList;
import java.util.List;

/**
 * Remotes named by {@code service-id} follow their service's instances through the application's
 * {@link DiscoveryClient} (Spring Cloud's composite of every registry's, the simple one included).
 */
@AutoConfiguration(after = TeleportAutoConfiguration.class, afterName = {
        "org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration",
        "org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration" })
@ConditionalOnClass(DiscoveryClient.class)
@Conditional(OnTeleportRoleCondition.Remotes.class)
public final class TeleportDiscoveryClientAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    DiscoveredRemotes teleportDiscoveredRemotes(ObjectProvider<DiscoveryClient> discovery,
            ObjectProvider<SessionTemplate> template, ObjectProvider<SessionTemplates> named,
            TeleportProperties properties) {
        List<RemoteInstances> remotes = new ArrayList<>();
        template.ifAvailable(t -> remotes.add(t.instances()));
        named.ifAvailable(all -> all.names().forEach(name -> remotes.add(all.get(name).instances())));
        // The composite (primary) when there are several: it asks every registry the application has.
        DiscoveryClient client = discovery.getIfAvailable();
        if (client == null) {
            remotes.stream().filter(r -> r.serviceId() != null).findFirst().ifPresent(r -> {
                String key = r.remote().equals(TeleportProperties.DEFAULT_REMOTE) ? "teleport.client" : "teleport.clients." + r.remote();
                throw new TeleportConfigurationException(key + ".service-id", "there is no DiscoveryClient to find "
                        + "the instances of service '" + r.serviceId() + "'", "Check spring.cloud.discovery.enabled "
                        + "and the discovery starter, or set " + key + ".address instead.", null);
            });
        }
        return new DiscoveredRemotes(client, remotes, properties.discovery().refreshInterval());
    }
}
