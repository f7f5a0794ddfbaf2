package io.teleport.spring.discovery;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.commons.util.InetUtils;
import org.springframework.cloud.commons.util.InetUtilsProperties;
import org.springframework.cloud.zookeeper.discovery.ZookeeperDiscoveryClient;
import org.springframework.cloud.zookeeper.discovery.ZookeeperDiscoveryProperties;
import org.springframework.cloud.zookeeper.discovery.ZookeeperInstance;

import java.util.List;

/**
 * A ZooKeeper server of a test class's own (Curator's {@link TestingServer}, on a random port), started
 * before its tests and closed after them, with a {@link ZookeeperDiscoveryClient} of the test's own over
 * it: what another application's Spring Cloud Zookeeper sees of the registered instances.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ZooKeeperFixture zk = new ZooKeeperFixture();
 * }</pre>
 */
public final class ZooKeeperFixture implements BeforeAllCallback, AfterAllCallback {

    private TestingServer server;
    private CuratorFramework curator;
    private ServiceDiscovery<ZookeeperInstance> serviceDiscovery;
    private ZookeeperDiscoveryClient discoveryClient;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
        curator.start();
        ZookeeperDiscoveryProperties properties = new ZookeeperDiscoveryProperties(new InetUtils(new InetUtilsProperties()));
        // The paths and the JSON payload Spring Cloud Zookeeper registers instances with.
        serviceDiscovery = ServiceDiscoveryBuilder.builder(ZookeeperInstance.class).client(curator)
                .basePath(properties.getRoot()).serializer(new JsonInstanceSerializer<>(ZookeeperInstance.class))
                .build();
        serviceDiscovery.start();
        discoveryClient = new ZookeeperDiscoveryClient(serviceDiscovery, null, properties);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        serviceDiscovery.close();
        curator.close();
        server.close();
    }

    /** The server's connect string, for {@code spring.cloud.zookeeper.connect-string}. */
    public String connectString() {
        return server.getConnectString();
    }

    /**
     * The properties that connect an application to this server ({@code key=value}), ZooKeeper being
     * switched off for the other tests by the test class path's application.properties: pass them as
     * command-line arguments ({@code --key=value}) or test properties, which rank above it.
     */
    public List<String> springProperties() {
        return List.of("spring.cloud.zookeeper.enabled=true", "spring.cloud.zookeeper.connect-string=" + connectString(),
                // A test's application closing without deregistering leaves ZooKeeper soon.
                "spring.cloud.zookeeper.session-timeout=6s", "spring.cloud.zookeeper.connection-timeout=5s",
                "spring.cloud.zookeeper.block-until-connected-wait=5");
    }

    /** The registered instances of {@code serviceId}, read from ZooKeeper at each call. */
    public List<ServiceInstance> instances(String serviceId) {
        return discoveryClient.getInstances(serviceId);
    }

    /** A discovery client over this server, as a client application's would be. */
    public ZookeeperDiscoveryClient discoveryClient() {
        return discoveryClient;
    }

    /** The fixture's own Curator client, to look at ZooKeeper's nodes directly. */
    public CuratorFramework curator() {
        return curator;
    }
}
