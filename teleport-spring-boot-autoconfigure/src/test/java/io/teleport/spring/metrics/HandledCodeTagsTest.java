package io.teleport.spring.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.spring.observation.TeleportObservationPlugin;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The codes this side answers with are its handlers' own, but a handler that passes on the error of a
 * peer it called answers with whatever that peer chose: past {@link BoundedCodes#MAX} distinct ones
 * besides Teleport's, {@code teleport.pull.handle} tags them {@code OTHER} rather than grow a timer each.
 */
class HandledCodeTagsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void codesPassedOnFromElsewhereStopGrowingTheRegistryAtTheBound() {
        MeterRegistry meters = new SimpleMeterRegistry();
        assertBounded(meters, peers.add(new Peer(PeerConfig.defaults(), new MicrometerPlugin(meters))));
    }

    @Test
    void theTimersMadeFromObservationsAreBoundedToo() {
        MeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        assertBounded(meters, peers.add(new Peer(PeerConfig.defaults(), new TeleportObservationPlugin(observations),
                new MicrometerPlugin(meters, false))));
    }

    private void assertBounded(MeterRegistry meters, Peer server) {
        // Stands for a handler relaying a downstream peer's error as it came.
        server.pullRouter().route("/relay", Integer.class, (code, ctx) -> {
            throw new RerrorException(new Rerror(code, "Relayed", ""));
        });
        server.listen("127.0.0.1:0", null);
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));

        int codes = BoundedCodes.MAX + 100;
        for (int i = 0; i < codes; i++) {
            int code = 10_000 + i;
            assertThatThrownBy(() -> session.pull("/relay", code, Void.class)).isInstanceOf(RerrorException.class);
        }
        // Teleport's own codes keep theirs past the bound.
        assertThatThrownBy(() -> session.pull("/relay", Rerror.CODE_UNAVAILABLE, Void.class))
                .isInstanceOf(RerrorException.class);

        await().untilAsserted(() -> assertThat(meters.find("teleport.pull.handle").tag("code", "OTHER").timer())
                .isNotNull().satisfies(t -> assertThat(t.count()).isEqualTo(codes - BoundedCodes.MAX)));
        assertThat(meters.find("teleport.pull.handle").timers()).as("one per code up to the bound, OTHER, and 503")
                .hasSize(BoundedCodes.MAX + 2);
        assertThat(meters.find("teleport.pull.handle").tag("code", "503").timer()).isNotNull();
    }
}
