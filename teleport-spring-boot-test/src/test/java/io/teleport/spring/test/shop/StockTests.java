package io.teleport.spring.test.shop;

import io.teleport.message.Rerror;
import io.teleport.spring.test.ReceivedPush;
import io.teleport.spring.test.TeleportMeters;
import io.teleport.spring.test.TeleportTest;
import io.teleport.spring.test.TeleportTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's controller test: the shop's routes over the local network, with no socket. */
@TeleportTest
@Import(Inventory.class)
class StockTests {

    @Autowired
    TeleportTestClient client;

    @Autowired
    TeleportMeters meters;

    @Test
    void repliesWithTheItem() {
        long before = meters.count("teleport.pull.handle", "route", "/stock/item");
        assertThat(client.pull("/stock/item?sku=apple", null, Item.class)).isEqualTo(new Item("apple", 3));
        assertThat(meters.awaitPullsHandled("/stock/item", before + 1)).isEqualTo(before + 1);
    }

    @Test
    void anItemOutOfStockIsA1409() {
        Rerror error = client.pullError("/stock/item?sku=pear", null);
        assertThat(error.code()).isEqualTo(1409);
        assertThat(error.detail()).isEqualTo("pear");
    }

    @Test
    void aDeliveryIsInStockOnceItsPushIsHandled() {
        long before = meters.count("teleport.push.handle", "route", "/deliveries/receive");
        client.push("/deliveries/receive", new Item("plum", 5));
        meters.awaitPushesHandled("/deliveries/receive", before + 1);
        assertThat(client.pull("/stock/item?sku=plum", null, Item.class)).isEqualTo(new Item("plum", 5));
    }

    @Test
    void anOrderIsConfirmedWithAPush() {
        client.push("/orders/place", new Item("apple", 1));
        ReceivedPush confirmed = client.awaitPush("/orders/confirmed");
        assertThat(confirmed.uri()).isEqualTo("/orders/confirmed?sku=apple");
        assertThat(confirmed.body(Item.class)).isEqualTo(new Item("apple", 1));
    }
}
