package io.teleport.spring.metrics;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Every way a pull of this side ends is timed in {@code teleport.pull.launch} with a bounded
 * {@code code} tag (a reply, 408, 102, 104, 105, a plugin's refusal, a remote's own code), and a pull
 * that a plugin of the server refused before routing is tagged with its real route.
 */
class ClientOutcomeMetricsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture messages = LogCapture.of("io.teleport.message", Level.DEBUG);
    private final MeterRegistry clientMeters = new SimpleMeterRegistry();
    private final MeterRegistry serverMeters = new SimpleMeterRegistry();
    private final PullOutcomes outcomes = new PullOutcomes(peers);

    @AfterEach
    void release() throws Exception {
        outcomes.close();
    }

    private Peer server() {
        return outcomes.server(new MicrometerPlugin(serverMeters));
    }

    @Test
    void everyOutcomeOfAPullIsTimedWithABoundedCode() {
        MicrometerPlugin metrics = new MicrometerPlugin(clientMeters);
        outcomes.endEveryWay(server(), peers.add(new Peer(PeerConfig.defaults(), PullOutcomes.REFUSING, metrics)),
                List.of(metrics));

        PullOutcomes.assertTimedOnceEach(clientMeters);
        assertThat(messages.lines("kind=pull-launch")).anySatisfy(l -> assertThat(l).contains("gone").contains("status=105"));
    }

    @Test
    void aPullRefusedByAServerPluginBeforeRoutingCarriesItsRealRoute() {
        Peer server = server();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));
        assertThatThrownBy(() -> session.pull("/echo?deny=1", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        assertThatThrownBy(() -> session.pull("/nowhere?deny=1", "x", String.class)).isInstanceOf(RerrorException.class);
        await().untilAsserted(() -> {
            assertThat(serverMeters.find("teleport.pull.handle").tag("route", "/echo").tag("code", "401").timer())
                    .isNotNull();
            assertThat(serverMeters.find("teleport.pull.handle").tag("route", "NOT_FOUND").tag("code", "401").timer())
                    .as("a path with no route is still NOT_FOUND").isNotNull();
        });
    }
}
