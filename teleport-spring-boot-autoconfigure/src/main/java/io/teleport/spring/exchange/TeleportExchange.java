package io.teleport.spring.exchange;

import org.springframework.core.annotation.AliasFor;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares an interface as a set of Teleport routes, the Teleport counterpart of Spring's
 * {@code @HttpExchange}: the routes are written once, a client calls them through a proxy
 * ({@link ImportTeleportExchanges}), and a {@code @PullController} that implements the interface
 * serves them at exactly the names the proxy calls. Its methods are pulls unless marked
 * {@link PushExchange}; each is named the Teleport way ({@link ExchangeRoutes}).
 *
 * <pre>{@code
 * @TeleportExchange(remote = "inventory", value = "/inventory/stock")
 * public interface StockApi {
 *     Item item(String sku);                                  // pull /inventory/stock/item
 *     CompletableFuture<List<Item>> listAll(@QueryValue("limit") int limit);
 *     @PushExchange void changed(StockChanged event);         // push /inventory/stock/changed
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TeleportExchange {

    /**
     * The path the routes' names start with, such as {@code /inventory/stock}; by default the
     * interface's simple name in snake case, as a controller's class name is ({@code StockApi} gives
     * {@code /stock_api}).
     */
    @AliasFor("path")
    String value() default "";

    /** Same as {@link #value()}. */
    @AliasFor("value")
    String path() default "";

    /**
     * The remote a client proxy calls: a name under {@code teleport.clients}; by default the one of
     * {@link ImportTeleportExchanges#remote()}, and failing that the {@code teleport.client} remote.
     */
    String remote() default "";
}
