package io.teleport.spring.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostAccept;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code teleport.sessions.opened} and {@code teleport.sessions.closed} count the same connections:
 * one refused by a plugin ahead of the metrics (authentication) is in neither, and a dialed session
 * that redials counts each of its connections once.
 */
class SessionCountersTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static double count(MeterRegistry meters, String name) {
        return meters.get(name).counter().count();
    }

    @Test
    void connectionsRefusedBeforeTheMetricsAreNeitherOpenedNorClosed() {
        MeterRegistry meters = new SimpleMeterRegistry();
        // Refuses every second connection, as an authentication plugin refuses a bad token.
        PostAccept refuseOdd = new PostAccept() {
            private int seen;

            @Override
            public synchronized Rerror postAccept(Session session) {
                return seen++ % 2 == 1 ? new Rerror(401, "Unauthorized", "no") : null;
            }
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), refuseOdd, new MicrometerPlugin(meters)));
        server.listen("127.0.0.1:0", null);
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        for (int i = 0; i < 6; i++) {
            Session session = client.dial(PullOutcomes.address(server));
            await().until(() -> server.sessionCount() <= 1);
            session.close().join();
            await().until(() -> server.sessionCount() == 0);
        }

        await().untilAsserted(() -> assertThat(count(meters, "teleport.sessions.closed")).isEqualTo(3.0));
        assertThat(count(meters, "teleport.sessions.opened")).isEqualTo(3.0);
    }

    @Test
    void aRedialThatGivesUpClosesItsOneConnectionOnce() {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.listen("127.0.0.1:0", null);
        MeterRegistry meters = new SimpleMeterRegistry();
        Peer client = peers.add(new Peer(PeerConfig.builder().redialTimes(2).redialInterval(Duration.ofMillis(10)).build(),
                new MicrometerPlugin(meters)));
        Session session = client.dial(PullOutcomes.address(server));
        server.shutdown(Duration.ofSeconds(1));

        assertThat(session.closeFuture()).succeedsWithin(Duration.ofSeconds(10));
        assertThat(count(meters, "teleport.sessions.opened")).isEqualTo(1.0);
        assertThat(count(meters, "teleport.sessions.closed")).isEqualTo(1.0);
    }
}
