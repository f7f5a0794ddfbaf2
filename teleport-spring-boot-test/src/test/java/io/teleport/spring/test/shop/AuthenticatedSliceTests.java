package io.teleport.spring.test.shop;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An application that checks tokens: the test client sends one it accepts, a stranger is refused. */
@TeleportTest(properties = "teleport.auth.accepted-tokens=s3cret")
@Import(Inventory.class)
class AuthenticatedSliceTests {

    @Autowired
    TeleportTestClient client;

    @Autowired
    Peer peer;

    @Test
    void theTestClientAuthenticatesWithAnAcceptedToken() {
        assertThat(client.pull("/stock/item?sku=apple", null, Item.class)).isEqualTo(new Item("apple", 3));
    }

    @Test
    void aClientWithoutTheTokenIsRefused() {
        Peer stranger = new Peer(PeerConfig.builder().network("local").build());
        try {
            String address = peer.listenAddresses().iterator().next().toString();
            assertThatThrownBy(() -> stranger.dial(address).pull("/stock/item?sku=apple", null, Item.class))
                    .isInstanceOf(RerrorException.class).extracting(e -> ((RerrorException) e).code()).isEqualTo(401);
        } finally {
            stranger.close();
        }
    }
}
