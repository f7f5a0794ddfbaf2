package io.teleport.spring.handler;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.teleport.router.NonBlocking;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportMetricsAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportObservationAutoConfiguration;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.observation.TeleportObservationPlugin;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @PullController} method marked {@link NonBlocking} runs on the I/O thread of a Boot
 * application whose handlers run on the pool, with the starter's metrics and observation plugins in
 * the chain (both never block, so neither sends it to the pool); its call is still timed.
 */
class NonBlockingControllerTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** One handler that never blocks, one that may; each says where it ran. */
    @PullController
    public static class Prices {
        /** From memory. */
        @NonBlocking
        public String cached(String sku) {
            return Thread.currentThread().getName();
        }

        /** As if from a database. */
        public String stored(String sku) {
            return Thread.currentThread().getName();
        }
    }

    @Test
    void aMarkedControllerMethodRunsOnTheIoThreadWithMetricsAndObservations() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class,
                        TeleportMetricsAutoConfiguration.class, TeleportObservationAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
                .withBean(MeterRegistry.class, () -> meters)
                .withBean(ObservationRegistry.class, () -> {
                    ObservationRegistry observations = ObservationRegistry.create();
                    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
                    return observations;
                })
                .withBean(Prices.class)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(MicrometerPlugin.class).hasSingleBean(TeleportObservationPlugin.class);
                    withSession(ctx, session -> {
                        assertThat(session.pull("/prices/cached", "a", String.class)).startsWith("teleport-io");
                        assertThat(session.pull("/prices/stored", "a", String.class)).startsWith("teleport-handler");
                    });
                    assertThat(meters.find("teleport.pull.handle").tag("route", "/prices/cached").timer())
                            .as("the call on the I/O thread is observed like any other").isNotNull()
                            .satisfies(t -> assertThat(t.count()).isEqualTo(1));
                });
    }
}
