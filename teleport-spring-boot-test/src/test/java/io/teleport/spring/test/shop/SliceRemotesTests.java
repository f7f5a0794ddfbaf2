package io.teleport.spring.test.shop;

import io.teleport.spring.client.EagerRemotes;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that calls a remote, and has a push controller (which makes its remotes connect
 * eagerly when connect is unset): its slice test does not dial it at start-up, as the remote is not on
 * the slice's local network; a remote explicitly eager is dialed.
 */
@TeleportTest(properties = {"teleport.client.address=inventory.internal:9090",
    "teleport.clients.fake.address=fake-backend", "teleport.clients.fake.connect=eager"})
@Import(Inventory.class)
class SliceRemotesTests {

    @Autowired
    TeleportTestClient client;

    @Autowired
    EagerRemotes eager;

    @Autowired
    SessionTemplate remote;

    @Test
    void theSliceDialsNoRemoteAtStartUp() {
        assertThat(client.pull("/stock/item?sku=apple", null, Item.class)).isEqualTo(new Item("apple", 3));
        assertThat(eager.templates()).singleElement().extracting(SessionTemplate::name).isEqualTo("fake");
        assertThat(remote.state()).isEqualTo(io.teleport.spring.client.RemoteState.IDLE);
    }
}
