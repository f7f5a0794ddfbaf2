package io.teleport.spring.test.shop;

import io.teleport.router.PushContext;
import io.teleport.spring.annotation.PushController;

/** Push route {@code /orders/place}: confirms each order with a push back to its sender. */
@PushController
public class Orders {

    public void place(Item order, PushContext ctx) {
        ctx.session().push("/orders/confirmed?sku=" + order.sku(), order);
    }
}
