package io.teleport.spring.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.plugins.AuthPlugin;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code teleport.auth.refused}: a wrong token is seen in the meters, not only at DEBUG in the log. */
class AuthMetricsTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, TeleportMetricsAutoConfiguration.class,
                    TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    @Test
    void refusedTokensAreCounted() {
        runner.withPropertyValues("teleport.auth.accepted-tokens=secret").run(ctx -> {
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertThat(meters.get("teleport.auth.refused").functionCounter().count()).isZero();
            int port = ((InetSocketAddress) ctx.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
            Peer client = new Peer(PeerConfig.defaults(), AuthPlugin.client(() -> "wrong"));
            try {
                for (int i = 0; i < 2; i++) {
                    assertThatThrownBy(() -> client.dial("127.0.0.1:" + port)).isInstanceOf(RerrorException.class);
                }
            } finally {
                client.shutdown(Duration.ofSeconds(1));
            }
            await().untilAsserted(() ->
                    assertThat(meters.get("teleport.auth.refused").functionCounter().count()).isEqualTo(2.0));
        });
    }

    @Test
    void withoutAuthThereIsNoMeter() {
        runner.run(ctx -> assertThat(ctx.getBean(MeterRegistry.class).find("teleport.auth.refused").meter()).isNull());
    }
}
