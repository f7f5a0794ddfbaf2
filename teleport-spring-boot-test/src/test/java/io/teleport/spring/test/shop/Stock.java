package io.teleport.spring.test.shop;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.QueryValue;
import io.teleport.spring.annotation.PullController;

/** Pull routes {@code /stock/item} and {@code /stock/count}. */
@PullController
public class Stock {

    private final Inventory inventory;

    public Stock(Inventory inventory) {
        this.inventory = inventory;
    }

    public Item item(@QueryValue("sku") String sku) {
        int count = inventory.count(sku);
        if (count < 0) {
            throw new RerrorException(new Rerror(404, "Not Found", "no sku " + sku));
        }
        if (count == 0) {
            throw new OutOfStockException(sku);
        }
        return new Item(sku, count);
    }
}
