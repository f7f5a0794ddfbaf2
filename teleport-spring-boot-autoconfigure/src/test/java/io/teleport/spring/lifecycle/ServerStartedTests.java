package io.teleport.spring.lifecycle;

import io.netty.channel.local.LocalAddress;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Configuration;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the application learns once the peer listens: the event, and the port in the environment. */
class ServerStartedTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withUserConfiguration(Recorder.class);

    @Test
    void portZeroIsPublishedAsTheBoundPortWithTheStartedEvent() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0").run(ctx -> {
            Peer peer = ctx.getBean(Peer.class);
            int bound = ((InetSocketAddress) peer.listenAddresses().iterator().next()).getPort();
            assertThat(bound).isPositive();
            assertThat(ctx.getEnvironment().getProperty("local.teleport.server.port", Integer.class)).isEqualTo(bound);
            assertThat(ctx.getEnvironment().getProperty("local.teleport.server.address")).isEqualTo("127.0.0.1:" + bound);

            List<TeleportServerStartedEvent> events = ctx.getBean(Recorder.class).events;
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.getPeer()).isSameAs(peer);
                assertThat(e.getPort()).isEqualTo(bound);
                assertThat(e.getAddresses()).containsExactlyElementsOf(peer.listenAddresses());
            });
            // A client of the published port reaches the peer.
            Peer client = new Peer(PeerConfig.defaults());
            try {
                client.dial("127.0.0.1:" + ctx.getEnvironment().getProperty("local.teleport.server.port"));
                await().atMost(Duration.ofSeconds(5)).until(() -> peer.sessionCount() == 1);
            } finally {
                client.close();
            }
        });
    }

    @Test
    void theLocalNetworkPublishesItsNameAndNoPort() {
        runner.withPropertyValues("teleport.network=local", "teleport.server.listen-address=started-test").run(ctx -> {
            assertThat(ctx.getBean(Peer.class).listenAddresses()).containsExactly(new LocalAddress("started-test"));
            assertThat(ctx.getEnvironment().getProperty("local.teleport.server.address")).isEqualTo("local:started-test");
            assertThat(ctx.getEnvironment().containsProperty("local.teleport.server.port")).isFalse();
            assertThat(ctx.getBean(Recorder.class).events).singleElement()
                    .satisfies(e -> assertThat(e.getPort()).isEqualTo(-1));
        });
    }

    @Test
    void aPeerThatOnlyDialsPublishesNothing() {
        runner.withPropertyValues("teleport.client.address=127.0.0.1:1", "teleport.client.connect=lazy").run(ctx -> {
            assertThat(ctx.getBean(Recorder.class).events).isEmpty();
            assertThat(ctx.getEnvironment().containsProperty("local.teleport.server.port")).isFalse();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class Recorder implements ApplicationListener<TeleportServerStartedEvent> {

        final List<TeleportServerStartedEvent> events = new ArrayList<>();

        @Override
        public void onApplicationEvent(TeleportServerStartedEvent event) {
            events.add(event);
        }
    }
}
