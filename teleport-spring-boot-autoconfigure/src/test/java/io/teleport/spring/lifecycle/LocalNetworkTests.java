package io.teleport.spring.lifecycle;

import io.netty.channel.local.LocalAddress;
import io.teleport.Peer;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code teleport.network: local}: the application's server and its remotes in one JVM with no
 * socket, the remotes' addresses written as the name or as {@code local:name}.
 */
class LocalNetworkTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withBean(Greeter.class)
            .withPropertyValues("teleport.network=local", "teleport.server.listen-address=greeter",
                    "teleport.client.address=local:greeter", "teleport.clients.again.address=greeter");

    @PullController
    public static class Greeter {
        public String hello(String name) {
            return "hello " + name;
        }
    }

    @Test
    void serverAndRemotesOfOneContextTalkOverTheLocalNetwork() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Peer peer = ctx.getBean(Peer.class);
            assertThat(peer.listenAddresses()).containsExactly(new LocalAddress("greeter"));
            assertThat(ctx.getBean(SessionTemplate.class).pull("/greeter/hello", "local", String.class))
                    .isEqualTo("hello local");
            assertThat(ctx.getBean(SessionTemplates.class).get("again").pull("/greeter/hello", "name", String.class))
                    .isEqualTo("hello name");
            assertThat(ctx.getBean(SessionTemplate.class).session().remoteAddress()).isEqualTo(new LocalAddress("greeter"));
        });
    }

    @Test
    void aLocalAddressOnTcpFailsStartUpNamingTheNetwork() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.client.address=local:greeter").run(ctx -> assertThat(ctx).getFailure()
                        .rootCause().hasMessageContaining("local:greeter (a local address needs the network local)"));
    }
}
