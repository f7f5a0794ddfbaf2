package io.teleport.spring.test.shop;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.spring.test.LocalTeleportServerPort;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's full-context test: the whole application over TCP, on a port chosen at start. */
@SpringBootTest(properties = "teleport.server.listen-address=127.0.0.1:0")
class ShopApplicationTests {

    @LocalTeleportServerPort
    int port;

    @Test
    void servesTheStockOverTcp() {
        Peer client = new Peer(PeerConfig.defaults());
        try {
            Item apple = client.dial("127.0.0.1:" + port).pull("/stock/item?sku=apple", null, Item.class);
            assertThat(apple).isEqualTo(new Item("apple", 3));
        } finally {
            client.close();
        }
    }
}
