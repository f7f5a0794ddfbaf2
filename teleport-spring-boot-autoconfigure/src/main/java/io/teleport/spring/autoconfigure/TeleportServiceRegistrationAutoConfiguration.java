package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.proto.Proto;
import io.teleport.spring.discovery.TeleportServiceRegistration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.client.serviceregistry.ServiceRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Registration of a listening peer with the application's Spring Cloud service registry: present when
 * Spring Cloud Commons is on the class path, the peer listens ({@code teleport.server.listen-address}),
 * the registry's {@code ServiceRegistry} and {@code Registration} beans exist (a registry such as
 * Spring Cloud Zookeeper is configured), and none of {@code teleport.discovery.register},
 * {@code spring.cloud.service-registry.auto-registration.enabled} and the registry's own
 * {@code spring.cloud.zookeeper.discovery.register} or {@code spring.cloud.consul.discovery.register} is false.
 */
@AutoConfiguration(after = TeleportAutoConfiguration.class, afterName = {
        "org.springframework.cloud.client.serviceregistry.ServiceRegistryAutoConfiguration",
        "org.springframework.cloud.client.serviceregistry.AutoServiceRegistrationAutoConfiguration",
        "org.springframework.cloud.zookeeper.serviceregistry.ZookeeperServiceRegistryAutoConfiguration",
        "org.springframework.cloud.zookeeper.serviceregistry.ZookeeperAutoServiceRegistrationAutoConfiguration",
        "org.springframework.cloud.consul.serviceregistry.ConsulServiceRegistryAutoConfiguration",
        "org.springframework.cloud.consul.serviceregistry.ConsulAutoServiceRegistrationAutoConfiguration",
        "org.springframework.cloud.netflix.eureka.EurekaClientAutoConfiguration"})
@ConditionalOnClass(name = "org.springframework.cloud.client.serviceregistry.ServiceRegistry")
@Conditional(OnTeleportRoleCondition.Listens.class)
@ConditionalOnProperty(prefix = "teleport.discovery", name = "register", matchIfMissing = true)
@ConditionalOnProperty(prefix = "spring.cloud.service-registry.auto-registration", name = "enabled", matchIfMissing = true)
// The registries' own switches for not registering this application, which their auto-registration obeys.
@ConditionalOnProperty(prefix = "spring.cloud.zookeeper.discovery", name = "register", matchIfMissing = true)
@ConditionalOnProperty(prefix = "spring.cloud.consul.discovery", name = "register", matchIfMissing = true)
@EnableConfigurationProperties(TeleportProperties.class)
public final class TeleportServiceRegistrationAutoConfiguration {

    /** The peer's instance in the registry, registered once it listens and deregistered before it drains. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean({Peer.class, ServiceRegistry.class})
    @ConditionalOnSingleCandidate(Registration.class)
    @SuppressWarnings({"unchecked", "rawtypes"})
    TeleportServiceRegistration<?> teleportServiceRegistration(ServiceRegistry<?> registry, Registration registration,
            Peer peer, ObjectProvider<Proto> proto, TeleportProperties properties) {
        // The registry's generic type is its own registration's (ZookeeperRegistration...), the one bean it has.
        return new TeleportServiceRegistration((ServiceRegistry) registry, registration, peer,
                proto.getIfAvailable(() -> properties.protocol().proto()).name(), properties.discovery().deregisterDelay());
    }
}
