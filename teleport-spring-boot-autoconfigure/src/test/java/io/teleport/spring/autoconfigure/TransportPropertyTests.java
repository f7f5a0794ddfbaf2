package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.spring.actuate.TeleportSessionsEndpoint;
import io.teleport.transport.TransportType;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code teleport.transport}: auto by default, a named one used, a bad one refused naming the key. */
class TransportPropertyTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    @Test
    void autoByDefaultAndTheEndpointSaysWhichOneRuns() {
        runner.run(ctx -> {
            Peer peer = ctx.getBean(Peer.class);
            assertThat(peer.config().transport()).isEqualTo(TransportType.AUTO);
            assertThat(new TeleportSessionsEndpoint(peer).sessions().transport()).isEqualTo(peer.transport().configName())
                    .isIn("epoll", "kqueue", "nio");
        });
    }

    @Test
    void aNamedTransportIsUsed() {
        runner.withPropertyValues("teleport.transport=nio").run(ctx -> assertThat(ctx.getBean(Peer.class).transport())
                .isEqualTo(TransportType.NIO));
    }

    @Test
    void anUnknownTransportFailsNamingTheKey() {
        runner.withPropertyValues("teleport.transport=dpdk").run(ctx -> assertThat(ctx).hasFailed()
                .getFailure().hasStackTraceContaining("teleport.transport: dpdk"));
    }
}
