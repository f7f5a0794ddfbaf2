package io.teleport.spring.observation;

import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.metrics.PullOutcomes;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Every way a pull of this side ends stops its observation once, with the code its caller got and,
 * for an error, the error (a timeout 408, a lost connection 102, a failed write 104, an undialed
 * remote 105, a plugin's refusal, a remote's error reply); the {@code teleport.pull.*} timers made
 * from the observations keep the bounded tags of the Micrometer plugin, once per pull; a custom
 * convention replaces the default one.
 */
class ObservedPullOutcomesTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry registry = ObservationRegistry.create();
    private final List<TeleportClientContext> ended = new CopyOnWriteArrayList<>();
    private final List<TeleportServerContext> answered = new CopyOnWriteArrayList<>();
    private final PullOutcomes outcomes = new PullOutcomes(peers);

    ObservedPullOutcomesTest() {
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters))
                .observationHandler(new ObservationHandler<>() {
                    @Override
                    public void onStop(Observation.Context context) {
                        if (context instanceof TeleportClientContext client) {
                            ended.add(client);
                        } else if (context instanceof TeleportServerContext server) {
                            answered.add(server);
                        }
                    }

                    @Override
                    public boolean supportsContext(Observation.Context context) {
                        return true;
                    }
                });
    }

    @AfterEach
    void release() throws Exception {
        outcomes.close();
    }

    private Peer server() {
        return outcomes.server(new TeleportObservationPlugin(registry));
    }

    @Test
    void everyEndOfAPullStopsItsObservationWithItsCodeAndError() {
        TeleportObservationPlugin observations = new TeleportObservationPlugin(registry);
        outcomes.endEveryWay(server(), peers.add(new Peer(PeerConfig.defaults(), PullOutcomes.REFUSING, observations,
                new MicrometerPlugin(meters, false))), List.of(observations));

        assertThat(ended).extracting(TeleportClientContext::code).containsExactlyElementsOf(PullOutcomes.CODES);
        assertThat(ended).extracting(c -> c.getError() == null ? 0 : ((RerrorException) c.getError()).code())
                .as("every failed pull ends with its error").containsExactlyElementsOf(PullOutcomes.CODES);
        assertThat(ended.get(5).remoteAddress()).as("an undialed pull names its remote").isEqualTo("gone");
        assertThat(ended.get(0).pull().meta().peek("traceparent")).as("no tracer, nothing propagated").isNull();

        PullOutcomes.assertTimedOnceEach(meters);
    }

    @Test
    void answeredPullsAreObservedWithTheirRouteEvenWhenAPluginRefusedThem() {
        Peer server = server();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));
        assertThat(session.pull("/echo?a=1", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/echo?deny=1", "x", String.class)).isInstanceOf(RerrorException.class);
        assertThatThrownBy(() -> session.pull("/nowhere", "x", String.class)).isInstanceOf(RerrorException.class);

        await().until(() -> answered.size() == 3);
        assertThat(answered).extracting(TeleportServerContext::route, TeleportServerContext::code).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/echo", 0), org.assertj.core.groups.Tuple.tuple("/echo", 401),
                org.assertj.core.groups.Tuple.tuple("NOT_FOUND", 404));
        assertThat(meters.get("teleport.pull.handle").tag("route", "/echo").tag("code", "401").timer().count()).isEqualTo(1);
        assertThat(meters.get("teleport.pull.handle").tag("route", "NOT_FOUND").tag("outcome", "ERROR").timer().count())
                .isEqualTo(1);
    }

    @Test
    void aPullWhoseHandlerThrewEndsWithWhatItThrew() {
        Peer server = server();
        server.pullRouter().route("/boom", String.class, (body, ctx) -> {
            throw new IllegalStateException("a bug");
        });
        server.pullRouter().route("/refuse", String.class, (body, ctx) -> new Rerror(1404, "No Such Thing", body));
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));
        assertThatThrownBy(() -> session.pull("/boom", "x", String.class)).hasMessageContaining("500");
        assertThatThrownBy(() -> session.pull("/refuse", "x", String.class)).hasMessageContaining("1404");

        await().until(() -> answered.size() == 2);
        assertThat(answered.get(0).getError()).as("the handler's own exception, not the 500 it became")
                .isInstanceOf(IllegalStateException.class).hasMessage("a bug");
        assertThat(answered.get(1).getError()).as("an error the handler returned")
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1404));
        assertThat(meters.get("teleport.pull.handle").tag("route", "/boom").tag("error", "IllegalStateException")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("teleport.pull.handle").tag("route", "/refuse").tag("error", "RerrorException")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void aConventionBeanRenamesAndRetags() {
        TeleportClientObservationConvention custom = new DefaultTeleportClientObservationConvention() {
            @Override
            public String getName() {
                return "rpc.client";
            }
        };
        Peer server = server();
        Session session = peers.add(new Peer(PeerConfig.defaults(), new TeleportObservationPlugin(registry, null, custom)))
                .dial(PullOutcomes.address(server));
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThat(meters.get("rpc.client").tag("route", "/echo").tag("code", "0").timer().count()).isEqualTo(1);
        assertThat(meters.find("teleport.pull.launch").timer()).isNull();
    }
}
