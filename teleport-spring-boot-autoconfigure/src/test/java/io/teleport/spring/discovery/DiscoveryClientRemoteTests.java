package io.teleport.spring.discovery;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.spring.autoconfigure.TeleportActuatorAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportDiscoveryClientAutoConfiguration;
import io.teleport.spring.client.RemoteState;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.client.TeleportInstance;
import io.teleport.spring.client.TeleportLoadBalancer;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.discovery.composite.CompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryClientAutoConfiguration;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remotes named by {@code service-id}, through Spring Cloud's {@link DiscoveryClient}: the simple
 * one's static instances for applications without a registry, and a registry whose changes are
 * announced with {@link HeartbeatEvent}s.
 */
class DiscoveryClientRemoteTests {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                    TeleportDiscoveryClientAutoConfiguration.class, TeleportActuatorAutoConfiguration.class,
                    UtilAutoConfiguration.class, SimpleDiscoveryClientAutoConfiguration.class,
                    CompositeDiscoveryClientAutoConfiguration.class));

    private Peer server(String label) {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/who", String.class, (body, ctx) -> label);
        server.listen("127.0.0.1:0", null);
        return server;
    }

    private static int port(Peer server) {
        return ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    @Test
    void aRemoteNamedByServiceIdSpreadsItsPullsOverTheSimpleDiscoveryClientsInstances() {
        Peer a = server("a");
        Peer b = server("b");
        runner.withPropertyValues("teleport.clients.inventory.service-id=inventory",
                "spring.cloud.discovery.client.simple.instances.inventory[0].host=127.0.0.1",
                "spring.cloud.discovery.client.simple.instances.inventory[0].port=" + port(a),
                // The HTTP port is the instance's own; the metadata names the Teleport one.
                "spring.cloud.discovery.client.simple.instances.inventory[1].host=127.0.0.1",
                "spring.cloud.discovery.client.simple.instances.inventory[1].port=8080",
                "spring.cloud.discovery.client.simple.instances.inventory[1].metadata.teleport.port=" + port(b))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    SessionTemplate inventory = ctx.getBean(SessionTemplates.class).get("inventory");
                    Map<String, Integer> replies = new HashMap<>();
                    for (int i = 0; i < 100; i++) {
                        replies.merge(inventory.pull("/who", "", String.class), 1, Integer::sum);
                    }

                    assertThat(replies).containsOnly(Map.entry("a", 50), Map.entry("b", 50));
                    Health health = ((HealthIndicator) ctx.getBean("teleportRemotesHealthContributor",
                            CompositeHealthContributor.class).getContributor("inventory")).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("address", "discovery:///inventory")
                            .containsEntry("instances", Map.of("127.0.0.1:" + port(a), "CONNECTED",
                                    "127.0.0.1:" + port(b), "CONNECTED"));
                });
    }

    /** A registry of the test's: instances change, and the change is announced. */
    static final class ChangingRegistry implements DiscoveryClient {

        final List<ServiceInstance> instances = new CopyOnWriteArrayList<>();

        @Override
        public String description() {
            return "changing";
        }

        @Override
        public List<ServiceInstance> getInstances(String serviceId) {
            return serviceId.equals("inventory") ? List.copyOf(instances) : List.of();
        }

        @Override
        public List<String> getServices() {
            return List.of("inventory");
        }

        void add(String id, Peer server) {
            instances.add(new DefaultServiceInstance(id, "inventory", "127.0.0.1", 8080, false,
                    Map.of(TeleportMetadata.PORT, String.valueOf(port(server)))));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        ChangingRegistry changingRegistry() {
            return new ChangingRegistry();
        }
    }

    @Test
    void aChangeTheRegistryAnnouncesIsFollowedAtOnceWithoutWaitingForTheRefresh() {
        Peer a = server("a");
        runner.withUserConfiguration(Registry.class).withPropertyValues("teleport.client.service-id=inventory",
                "teleport.client.connect=eager", "teleport.discovery.refresh-interval=1h").run(ctx -> {
                    ChangingRegistry registry = ctx.getBean(ChangingRegistry.class);
                    SessionTemplate template = ctx.getBean(SessionTemplate.class);
                    assertThat(template.instances().list()).isEmpty();
                    registry.add("a", a);
                    ctx.publishEvent(new HeartbeatEvent(registry, 1));

                    await().until(() -> template.instances().list().size() == 1);
                    assertThat(template.pull("/who", "", String.class)).isEqualTo("a");
                    Peer b = server("b");
                    registry.add("b", b);
                    ctx.publishEvent(new HeartbeatEvent(registry, 2));

                    // Eager: the instance that joined is dialed before any call needs it.
                    TeleportInstance joined = new TeleportInstance("b", "127.0.0.1:" + port(b), Map.of());
                    await().until(() -> template.instances().state(joined) == RemoteState.CONNECTED);
                    registry.instances.clear();
                    ctx.publishEvent(new HeartbeatEvent(registry, 3));
                    await().until(() -> template.instances().list().isEmpty());
                    assertThat(template.state()).isEqualTo(RemoteState.DOWN);
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> template.pull("/who", "", String.class))
                            .isInstanceOf(RerrorException.class).hasMessageContaining("no instance of service 'inventory'");
                });
    }

    @Test
    void aLoadBalancerBeanChoosesForEachRemote() {
        Peer a = server("a");
        Peer b = server("b");
        List<String> asked = new CopyOnWriteArrayList<>();
        runner.withBean(TeleportLoadBalancer.Factory.class, () -> (remote, serviceId) -> (uri, candidates) -> {
            asked.add(remote + " " + serviceId + " " + uri);
            return candidates.get(candidates.size() - 1);
        }).withPropertyValues("teleport.clients.stock.service-id=inventory",
                "spring.cloud.discovery.client.simple.instances.inventory[0].host=127.0.0.1",
                "spring.cloud.discovery.client.simple.instances.inventory[0].port=" + port(a),
                "spring.cloud.discovery.client.simple.instances.inventory[1].host=127.0.0.1",
                "spring.cloud.discovery.client.simple.instances.inventory[1].port=" + port(b)).run(ctx -> {
                    SessionTemplate stock = ctx.getBean(SessionTemplates.class).get("stock");
                    assertThat(stock.pull("/who", "", String.class)).isEqualTo("b");
                    assertThat(asked).containsExactly("stock inventory /who");
                });
    }

    @Test
    void aRemoteWithBothAnAddressAndAServiceIdFailsNamingBoth() {
        runner.withPropertyValues("teleport.clients.stock.service-id=inventory",
                "teleport.clients.stock.address=127.0.0.1:9000").run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(TeleportConfigurationException.class)
                            .hasMessageContaining("teleport.clients.stock.address and teleport.clients.stock.service-id");
                });
    }

    @Test
    void aServiceIdWithoutSpringCloudOnTheClassPathFailsSayingWhatToAdd() {
        runner.withClassLoader(new FilteredClassLoader(DiscoveryClient.class))
                .withPropertyValues("teleport.client.service-id=inventory").run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(TeleportConfigurationException.class)
                            .hasMessageContaining("teleport.client.service-id");
                    assertThat(((TeleportConfigurationException) org.assertj.core.util.Throwables.getRootCause(
                            ctx.getStartupFailure())).action()).contains("spring-cloud-starter-zookeeper-discovery");
                });
    }

    @Test
    void aFixedAddressNeedsNoSpringCloud() {
        runner.withClassLoader(new FilteredClassLoader(DiscoveryClient.class))
                .withPropertyValues("teleport.client.address=127.0.0.1:9000")
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(SessionTemplate.class)
                        .doesNotHaveBean(DiscoveredRemotes.class));
    }
}
