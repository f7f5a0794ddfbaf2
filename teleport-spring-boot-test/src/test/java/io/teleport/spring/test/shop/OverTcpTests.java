package io.teleport.spring.test.shop;

import io.teleport.spring.test.LocalTeleportServerPort;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The slice over TCP when a test asks for it: its properties win over the slice's defaults. */
@TeleportTest(properties = {"teleport.network=tcp", "teleport.server.listen-address=:0"})
@Import(Inventory.class)
class OverTcpTests {

    @Autowired
    TeleportTestClient client;

    @LocalTeleportServerPort
    int port;

    @Test
    void theClientDialsTheChosenPortOnLoopback() {
        assertThat(port).isPositive();
        assertThat(client.pull("/stock/item?sku=apple", null, Item.class)).isEqualTo(new Item("apple", 3));
        InetSocketAddress remote = (InetSocketAddress) client.session().remoteAddress();
        assertThat(remote.getPort()).isEqualTo(port);
        assertThat(remote.getAddress().isLoopbackAddress()).isTrue();
    }
}
