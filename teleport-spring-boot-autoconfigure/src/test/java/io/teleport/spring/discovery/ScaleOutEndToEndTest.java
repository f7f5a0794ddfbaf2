package io.teleport.spring.discovery;

import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.spring.client.RemoteState;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.spring.client.TeleportInstance;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scale-out story end to end, with a real ZooKeeper: server instances of {@code inventory} that
 * register themselves, in Spring applications of their own, and a client application that names the
 * service. Calls spread; a graceful stop fails no call; a killed instance fails only the pulls it
 * held, is dropped, and gets calls again when it comes back; an instance that joins under load gets
 * calls, all without restarting the client.
 */
class ScaleOutEndToEndTest {

    @RegisterExtension
    static final ZooKeeperFixture zk = new ZooKeeperFixture();

    /** How often the client looks the service up, besides ZooKeeper's change events. */
    private static final Duration REFRESH = Duration.ofSeconds(1);

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    @AfterEach
    void close() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    /** A client application with no routes of its own. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ClientApp {
    }

    private ConfigurableApplicationContext instance(String label, String... properties) {
        List<String> all = new ArrayList<>(List.of(properties));
        // Longer than the client's refresh: it has dropped the instance before the instance drains.
        all.add("teleport.discovery.deregister-delay=" + REFRESH.multipliedBy(2).toMillis() + "ms");
        ConfigurableApplicationContext ctx = InventoryInstances.start(zk, label, all.toArray(String[]::new));
        contexts.add(ctx);
        return ctx;
    }

    private SessionTemplate client() {
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(ClientApp.class).web(WebApplicationType.NONE)
                .run("--spring.main.banner-mode=off", "--spring.cloud.zookeeper.enabled=true",
                        "--spring.cloud.zookeeper.connect-string=" + zk.connectString(),
                        "--spring.cloud.service-registry.auto-registration.enabled=false",
                        "--teleport.clients.inventory.service-id=" + InventoryInstances.SERVICE_ID,
                        "--teleport.clients.inventory.connect=eager",
                        "--teleport.discovery.refresh-interval=" + REFRESH.toMillis() + "ms");
        contexts.add(ctx);
        return ctx.getBean(SessionTemplates.class).get("inventory");
    }

    private static int port(ConfigurableApplicationContext instance) {
        return ((InetSocketAddress) instance.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
    }

    private static void awaitConnected(SessionTemplate template, int instances) {
        await().atMost(Duration.ofSeconds(15)).until(() -> template.instances().list().size() == instances
                && template.instances().list().stream().allMatch(i -> template.instances().state(i) == RemoteState.CONNECTED));
    }

    @Test
    void threeRegisteredInstancesShareThreeThousandPullsEvenly() {
        instance("a");
        instance("b");
        instance("c");
        SessionTemplate inventory = client();
        awaitConnected(inventory, 3);

        Map<String, Integer> answered = new java.util.HashMap<>();
        for (int i = 0; i < 3000; i++) {
            answered.merge(inventory.pull(InventoryInstances.WHOAMI, null, String.class), 1, Integer::sum);
        }

        assertThat(answered).containsOnly(Map.entry("a", 1000), Map.entry("b", 1000), Map.entry("c", 1000));
    }

    @Test
    void anInstanceStoppedGracefullyUnderSteadyPullsFailsNone() throws Exception {
        ConfigurableApplicationContext a = instance("a");
        instance("b");
        instance("c");
        int portOfA = port(a);
        SessionTemplate inventory = client();
        awaitConnected(inventory, 3);

        try (SteadyPulls pulls = new SteadyPulls(inventory, 4)) {
            await().until(() -> pulls.answeredBy("a") > 50);
            a.close();
            long after = pulls.pulls();
            await().atMost(Duration.ofSeconds(10)).until(() -> pulls.pulls() > after + 500);

            assertThat(pulls.failures()).as("failed pulls").isEmpty();
            assertThat(inventory.instances().list()).extracting(TeleportInstance::address)
                    .doesNotContain("127.0.0.1:" + portOfA);
            pulls.reset();
            long settled = pulls.pulls();
            await().until(() -> pulls.pulls() > settled + 200);
            assertThat(pulls.answeredBy("a")).isZero();
            assertThat(pulls.answeredBy("b")).isPositive();
            assertThat(pulls.answeredBy("c")).isPositive();
        }
    }

    @Test
    void aKilledInstanceFailsOnlyThePullsItHeldIsDroppedAndGetsCallsWhenItComesBack() throws Exception {
        ConfigurableApplicationContext a = instance("a");
        instance("b");
        instance("c");
        int portOfA = port(a);
        SessionTemplate inventory = client();
        awaitConnected(inventory, 3);

        try (SteadyPulls pulls = new SteadyPulls(inventory, 4)) {
            await().until(() -> pulls.answeredBy("a") > 50);
            // A crash: connections cut with no drain, and the registry session gone without a deregistration.
            a.getBean(Peer.class).closeAsync(Duration.ZERO);
            a.getBean(CuratorFramework.class).close();

            await().atMost(Duration.ofSeconds(15)).until(() -> inventory.instances().list().size() == 2);
            // At most one pull per thread was on its way to the killed instance, and only those failed.
            assertThat(pulls.failures()).hasSizeLessThanOrEqualTo(4)
                    .allMatch(code -> code == Rerror.CODE_CONNECTION_CLOSED, "102, connection closed");
            pulls.reset();
            long settled = pulls.pulls();
            await().until(() -> pulls.pulls() > settled + 300);
            assertThat(pulls.failures()).isEmpty();
            assertThat(pulls.answeredBy("a")).isZero();

            a.close();
            instance("a", "teleport.server.listen-address=127.0.0.1:" + portOfA);
            await().atMost(REFRESH.multipliedBy(20)).until(() -> pulls.answeredBy("a") > 0);
            assertThat(pulls.failures()).isEmpty();
        }
    }

    @Test
    void anInstanceThatJoinsUnderLoadGetsCallsWithoutAClientRestart() throws Exception {
        instance("a");
        instance("b");
        SessionTemplate inventory = client();
        awaitConnected(inventory, 2);

        try (SteadyPulls pulls = new SteadyPulls(inventory, 4)) {
            await().until(() -> pulls.pulls() > 200);
            instance("c");

            await().atMost(REFRESH.multipliedBy(20)).until(() -> pulls.answeredBy("c") > 100);
            assertThat(pulls.failures()).isEmpty();
            assertThat(inventory.instances().list()).hasSize(3);
        }
    }
}
