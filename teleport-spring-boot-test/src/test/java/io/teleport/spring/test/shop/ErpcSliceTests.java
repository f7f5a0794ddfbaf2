package io.teleport.spring.test.shop;

import io.teleport.Peer;
import io.teleport.proto.ErpcRawProto;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** An application on {@code teleport.protocol=erpc-v6}: the test client speaks it too. */
@TeleportTest(controllers = Orders.class, properties = "teleport.protocol=erpc-v6")
class ErpcSliceTests {

    @Autowired
    Peer peer;

    @Autowired
    TeleportTestClient client;

    @Test
    void theTestClientSpeaksTheApplicationsProtocol() {
        assertThat(client.session().proto()).isSameAs(ErpcRawProto.INSTANCE);
        assertThat(client.serverSession().proto()).isSameAs(ErpcRawProto.INSTANCE);
        client.push("/orders/place", new Item("apple", 2));
        assertThat(client.awaitPush("/orders/confirmed").body(Item.class)).isEqualTo(new Item("apple", 2));
        assertThat(client.pullError("/not/there", null).code()).isEqualTo(404);
    }
}
