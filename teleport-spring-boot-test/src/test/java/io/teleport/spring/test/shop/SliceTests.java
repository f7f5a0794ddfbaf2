package io.teleport.spring.test.shop;

import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.local.LocalAddress;
import io.teleport.Peer;
import io.teleport.spring.metrics.MicrometerPlugin;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import io.teleport.transport.Network;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@code @TeleportTest} starts: the controllers asked for, the advice, the peer on the local
 * network (not the application's TCP port), metrics; no services.
 */
@TeleportTest(controllers = Orders.class)
class SliceTests {

    @Autowired
    ApplicationContext context;

    @Autowired
    Peer peer;

    @Autowired
    TeleportTestClient client;

    @Test
    void listensOnTheLocalNetworkOnly() {
        assertThat(peer.network()).isEqualTo(Network.LOCAL);
        assertThat(peer.listenAddresses()).singleElement().isInstanceOf(LocalAddress.class);
        assertThat(peer.listenAddresses().iterator().next().toString()).startsWith("local:teleport-test-");
        assertThat(context.getEnvironment().getProperty("local.teleport.server.address")).startsWith("local:teleport-test-");
        assertThat(client.session().remoteAddress()).isInstanceOf(LocalAddress.class);
    }

    @Test
    void startsOnlyTheNamedControllersAndNoServices() {
        assertThat(context.getBeansOfType(Orders.class)).hasSize(1);
        assertThat(context.getBeansOfType(ShopErrors.class)).as("advice is part of the slice").hasSize(1);
        assertThat(context.getBeansOfType(Stock.class)).isEmpty();
        assertThat(context.getBeansOfType(Inventory.class)).isEmpty();
        assertThat(context.getBeansOfType(MicrometerPlugin.class)).hasSize(1);
        assertThat(context.getBeansOfType(ObservationRegistry.class)).as("pull timers come from observations").hasSize(1);
        assertThat(client.pullError("/stock/item?sku=apple", null).code()).isEqualTo(404);
    }

    @Test
    void theApplicationPullsAndPushesTheClient() throws Exception {
        client.peer().pullRouter().route("/client/name", String.class, (body, ctx) -> "test client of " + body);
        assertThat(client.serverSession().pull("/client/name", "shop", String.class)).isEqualTo("test client of shop");
        assertThat(peer.sessions()).containsExactly(client.serverSession());
        context.getBean(TeleportSessions.class).pushAll("/news", "sale").get();
        assertThat(client.awaitPush("/news").body(String.class)).isEqualTo("sale");
        assertThatThrownBy(() -> client.awaitPush("/news", Duration.ofMillis(50))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("no push to /news");
    }
}
