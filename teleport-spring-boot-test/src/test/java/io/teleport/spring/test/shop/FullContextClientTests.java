package io.teleport.spring.test.shop;

import io.teleport.spring.test.AutoConfigureTeleportTestClient;
import io.teleport.spring.test.LocalTeleportServerPort;
import io.teleport.spring.test.TeleportMeters;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The test client in a whole application over TCP, with @AutoConfigureTeleportTestClient. */
@SpringBootTest(properties = "teleport.server.listen-address=0.0.0.0:0")
@AutoConfigureTeleportTestClient
class FullContextClientTests {

    @Autowired
    TeleportTestClient client;

    @Autowired
    TeleportMeters meters;

    @LocalTeleportServerPort
    int port;

    @Test
    void theClientDialsTheWildcardListenerOnLoopbackAndMetersAreAwaited() {
        assertThat(client.pullError("/stock/item?sku=kiwi", null).detail()).isEqualTo("no sku kiwi");
        assertThat(meters.awaitCount("teleport.pull.handle", 1, "route", "/stock/item", "code", "404")).isEqualTo(1);
        assertThat(((InetSocketAddress) client.session().remoteAddress()).getPort()).isEqualTo(port);
    }
}
