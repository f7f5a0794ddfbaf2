package io.teleport.spring.exchange;

import io.teleport.router.MetaValue;
import io.teleport.session.Reply;

import java.util.concurrent.CompletableFuture;

/**
 * A client-only view of the same routes, returning whole replies (which no controller returns), and
 * naming no remote: it gets the one of its import.
 */
@TeleportExchange("/inventory/stock")
public interface StockReplies {

    /** {@code /inventory/stock/item}, with the reply's metadata. */
    Reply<StockApi.Item> item(String sku);

    /** The same route, without waiting, with a metadata value. */
    @PullExchange("item")
    CompletableFuture<Reply<StockApi.Item>> itemAsync(String sku, @MetaValue("user") String user);
}
