package io.teleport.spring.test.shop;

import io.teleport.Peer;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application whose files turn mutual TLS on, with a real bundle: the slice's peer and its test
 * client talk without it, as the test client does not do TLS (new-user trial 10: every slice test
 * waited 10 s for a session and failed).
 */
@TeleportTest(controllers = Orders.class)
@ActiveProfiles("tls")
class TlsConfiguredSliceTests {

    @Autowired
    Peer peer;

    @Autowired
    TeleportTestClient client;

    @Test
    void theSliceRunsWithoutTheApplicationsTls() {
        client.push("/orders/place", new Item("apple", 2));
        assertThat(client.awaitPush("/orders/confirmed").body(Item.class)).isEqualTo(new Item("apple", 2));
        assertThat(peer.config().serverSslContext()).isNull();
    }
}
