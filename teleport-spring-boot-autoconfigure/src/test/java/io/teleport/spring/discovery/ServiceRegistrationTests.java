package io.teleport.spring.discovery;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.event.HeartbeatEvent;
import org.springframework.cloud.client.serviceregistry.AbstractAutoServiceRegistration;
import org.springframework.cloud.client.serviceregistry.Registration;
import org.springframework.cloud.zookeeper.serviceregistry.ZookeeperRegistration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Server instances registering with a real ZooKeeper through Spring Cloud Zookeeper, seen as another
 * application's discovery client sees them, and called over loopback with a Teleport peer of the test's own.
 */
class ServiceRegistrationTests {

    @RegisterExtension
    static final ZooKeeperFixture zk = new ZooKeeperFixture();

    private final List<ConfigurableApplicationContext> started = new ArrayList<>();
    private final Peer client = new Peer(PeerConfig.defaults());

    @AfterEach
    void close() {
        started.forEach(ConfigurableApplicationContext::close);
        client.close();
    }

    private ConfigurableApplicationContext start(String label, String... properties) {
        ConfigurableApplicationContext ctx = InventoryInstances.start(zk, label, properties);
        started.add(ctx);
        return ctx;
    }

    private static int boundPort(ConfigurableApplicationContext ctx) {
        return ((InetSocketAddress) ctx.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
    }

    @Test
    void anInstanceWithoutWebServerRegistersItsBoundPortAndProtocolOnceItListens() {
        ConfigurableApplicationContext ctx = start("a", "teleport.discovery.deregister-delay=0s");
        int port = boundPort(ctx);

        // Registered by the time the context has started: no wait.
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).singleElement().satisfies(instance -> {
            assertThat(instance.getMetadata()).containsEntry(TeleportMetadata.PORT, Integer.toString(port))
                    .containsEntry(TeleportMetadata.PROTOCOL, "fast").containsEntry(TeleportMetadata.NETWORK, "tcp")
                    .doesNotContainKey(TeleportMetadata.TLS);
            // No HTTP port to register: the instance's own port is the Teleport one.
            assertThat(instance.getPort()).isEqualTo(port);
            assertThat(instance.getHost()).isEqualTo("127.0.0.1");
            assertThat(instance.getInstanceId()).isEqualTo(instanceId(ctx.getBean(Registration.class)));
            // What a client does with it: dial the host and the metadata's port.
            Session session = client.dial(instance.getHost() + ":" + TeleportMetadata.port(instance.getMetadata(), -1));
            assertThat(session.pull(InventoryInstances.WHOAMI, null, String.class)).isEqualTo("a");
        });
    }

    @Test
    void twoInstancesAreTwoRegistrationsOfTheService() {
        ConfigurableApplicationContext a = start("a", "teleport.discovery.deregister-delay=0s");
        ConfigurableApplicationContext b = start("b", "teleport.discovery.deregister-delay=0s");

        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).extracting(i -> i.getMetadata().get(TeleportMetadata.PORT))
                .containsExactlyInAnyOrder(Integer.toString(boundPort(a)), Integer.toString(boundPort(b)));
    }

    @Test
    void onCloseTheInstanceIsDeregisteredFirstAndServesThroughTheDelayThenTheListenerCloses() throws Exception {
        // The window in which clients stop picking the instance. Wider than the default (3s, pinned in
        // DiscoveryAutoConfigurationTests) so that the calls below fit in it on a loaded machine.
        ConfigurableApplicationContext ctx = start("a", "teleport.discovery.deregister-delay=8s");
        Peer server = ctx.getBean(Peer.class);
        int port = boundPort(ctx);
        Session session = client.dial("127.0.0.1:" + port);
        assertThat(session.pull(InventoryInstances.WHOAMI, null, String.class)).isEqualTo("a");
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).hasSize(1);

        long closing = System.nanoTime();
        CompletableFuture<Void> closed = CompletableFuture.runAsync(ctx::close);

        await().atMost(Duration.ofSeconds(5)).until(() -> zk.instances(InventoryInstances.SERVICE_ID).isEmpty());
        // Gone from discovery, still serving: calls in flight and late callers are answered, new
        // connections too, as the peer has not begun draining.
        assertThat(server.isClosed()).isFalse();
        assertThat(session.pull(InventoryInstances.WHOAMI, null, String.class)).isEqualTo("a");
        assertThat(client.dial("127.0.0.1:" + port).pull(InventoryInstances.WHOAMI, null, String.class)).isEqualTo("a");
        assertThat(closed).isNotDone();

        closed.get(20, TimeUnit.SECONDS);
        assertThat(System.nanoTime() - closing).isGreaterThanOrEqualTo(Duration.ofSeconds(8).toNanos());
        assertThat(server.isClosed()).isTrue();
        assertThatThrownBy(() -> client.dial("127.0.0.1:" + port)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void registerFalseLeavesTheInstanceOutOfTheRegistry() {
        ConfigurableApplicationContext ctx = start("a", "teleport.discovery.register=false");

        assertThat(ctx.getBeansOfType(TeleportServiceRegistration.class)).isEmpty();
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).isEmpty();
        // It listens all the same.
        assertThat(client.dial("127.0.0.1:" + boundPort(ctx)).pull(InventoryInstances.WHOAMI, null, String.class))
                .isEqualTo("a");
    }

    @Test
    void autoRegistrationSwitchedOffLeavesTheInstanceOutOfTheRegistry() {
        ConfigurableApplicationContext ctx = start("a", "spring.cloud.service-registry.auto-registration.enabled=false");

        assertThat(ctx.getBeansOfType(TeleportServiceRegistration.class)).isEmpty();
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).isEmpty();
    }

    @Test
    void theRegistrysOwnRegisterSwitchLeavesTheInstanceOutOfTheRegistry() {
        ConfigurableApplicationContext ctx = start("a", "spring.cloud.zookeeper.discovery.register=false");

        assertThat(ctx.getBeansOfType(TeleportServiceRegistration.class)).isEmpty();
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).isEmpty();
    }

    /**
     * Spring Cloud Zookeeper's service watch starts on the registration's event: an instance registered
     * here is told of its service's changes (HeartbeatEvent), as one registered by Spring Cloud would be.
     */
    @Test
    void aRegisteredInstanceHearsOfOtherInstancesThroughHeartbeatEvents() {
        ConfigurableApplicationContext a = start("a", "teleport.discovery.deregister-delay=0s");
        AtomicInteger heartbeats = new AtomicInteger();
        a.addApplicationListener((ApplicationListener<HeartbeatEvent>) e -> heartbeats.incrementAndGet());

        start("b", "teleport.discovery.deregister-delay=0s");

        await().atMost(Duration.ofSeconds(5)).until(() -> heartbeats.get() > 0);
    }

    /**
     * A web application is registered by Spring Cloud when its web server starts, before the peer listens:
     * the Teleport metadata is then written into that instance in place, which ZooKeeper's clients see as
     * an update, not as the instance leaving and coming back (Curator re-creates the node of an instance
     * registered twice).
     */
    @Test
    void anInstanceSpringCloudRegisteredFirstIsUpdatedInPlace() throws Exception {
        ConfigurableApplicationContext ctx = start("a", "teleport.discovery.deregister-delay=0s",
                "spring.cloud.zookeeper.discovery.instance-port=8080",
                "spring.main.sources=" + WebServerRegistration.class.getName());
        int port = boundPort(ctx);

        Stat atWebStart = ctx.getBean(WebServerRegistration.class).registered;
        Registration registration = ctx.getBean(Registration.class);
        Stat now = zk.curator().checkExists().forPath(path(registration));
        assertThat(now.getCzxid()).as("the same node").isEqualTo(atWebStart.getCzxid());
        assertThat(now.getVersion()).as("its data written again").isGreaterThan(atWebStart.getVersion());

        ServiceInstance instance = zk.instances(InventoryInstances.SERVICE_ID).get(0);
        assertThat(instance.getPort()).as("the HTTP port stays the instance's").isEqualTo(8080);
        assertThat(instance.getMetadata()).containsEntry(TeleportMetadata.PORT, Integer.toString(port));

        ctx.close();
        // Deregistered by Teleport first, then again by Spring Cloud: no trace, no error.
        assertThat(zk.instances(InventoryInstances.SERVICE_ID)).isEmpty();
    }

    /** ZooKeeper's id of the instance: its Curator instance's. */
    private static String instanceId(Registration registration) {
        return ((ZookeeperRegistration) registration).getServiceInstance().getId();
    }

    private static String path(Registration registration) {
        return "/services/" + registration.getServiceId() + "/" + instanceId(registration);
    }

    /**
     * What Spring Cloud does on a web server's WebServerInitializedEvent, in the web server's phase (before
     * the peer's): start the registry's own auto-registration, which registers with the HTTP port.
     */
    static class WebServerRegistration implements org.springframework.context.SmartLifecycle {

        private final AbstractAutoServiceRegistration<?> autoRegistration;
        private final Registration registration;
        private final ZooKeeperFixture fixture = zk;
        volatile Stat registered;
        private volatile boolean running;

        WebServerRegistration(AbstractAutoServiceRegistration<?> autoRegistration, Registration registration) {
            this.autoRegistration = autoRegistration;
            this.registration = registration;
        }

        @Override
        public void start() {
            autoRegistration.start();
            try {
                registered = fixture.curator().checkExists().forPath(path(registration));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            running = true;
        }

        @Override
        public void stop() {
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return DEFAULT_PHASE - 2048;
        }
    }
}
