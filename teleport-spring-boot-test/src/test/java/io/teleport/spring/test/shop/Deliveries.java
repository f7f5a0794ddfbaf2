package io.teleport.spring.test.shop;

import io.teleport.spring.annotation.PushController;

/** Push route {@code /deliveries/receive}: a delivery is counted in, which takes a moment. */
@PushController
public class Deliveries {

    private final Inventory inventory;

    public Deliveries(Inventory inventory) {
        this.inventory = inventory;
    }

    public void receive(Item delivery) throws InterruptedException {
        // Checking a delivery in is slow: a test that looked at the stock when the push arrived, rather
        // than when its handler returned, would not find it there.
        Thread.sleep(100);
        inventory.add(delivery.sku(), delivery.count());
    }
}
