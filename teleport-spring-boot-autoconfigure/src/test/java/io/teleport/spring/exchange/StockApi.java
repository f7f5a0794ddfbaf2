package io.teleport.spring.exchange;

import io.teleport.router.MetaValue;
import io.teleport.router.QueryValue;
import io.teleport.session.CallOption;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The routes of the tests' inventory, as a client calls them and the server's {@code Stock} serves them. */
@TeleportExchange(remote = "inventory", value = "/inventory/stock")
public interface StockApi {

    /** An item as it was stored: {@code /inventory/stock/item}. */
    record Item(String sku, int count) {
    }

    /** What the client pushes when it changed an item. */
    record StockChanged(String sku, int delta) {
    }

    /** A plain type reply; {@code 1404} for an unknown sku. */
    Item item(String sku);

    /** A primitive reply. */
    int count(String sku);

    /** A generic reply: {@code /inventory/stock/list_all?limit=..}. */
    List<Item> listAll(@QueryValue("limit") int limit);

    /** Asynchronous, with a query value to encode and a metadata value. */
    CompletableFuture<List<Item>> search(@QueryValue("q") String query, @MetaValue("user") String user);

    /** A pull whose reply is only awaited. */
    void reserve(Item item);

    /** A pull named on the interface, with a timeout of its own and options per call. */
    @PullExchange(value = "slow_echo", timeout = "1s")
    String slow(long millis, CallOption... options);

    /** A push: {@code /inventory/stock/changed}. */
    @PushExchange
    void changed(StockChanged event);

    /** Not a route: runs in the proxy. */
    default Item first() {
        return listAll(1).get(0);
    }
}
