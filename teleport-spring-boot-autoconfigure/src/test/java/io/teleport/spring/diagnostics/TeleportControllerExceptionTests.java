package io.teleport.spring.diagnostics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The action of the failure report fits the problem. */
class TeleportControllerExceptionTests {

    @Test
    void anExceptionHandlerOnAControllerIsToldToMoveNotAboutBodies() {
        TeleportControllerException misplaced = new TeleportControllerException("orders", Object.class,
                new IllegalStateException("@TeleportExceptionHandler Orders.oops is on a controller, where it would "
                        + "be a route or never run: move it to a @TeleportControllerAdvice bean"));
        assertThat(misplaced.action()).isEqualTo(
                "Move the @TeleportExceptionHandler methods of 'orders' to a @TeleportControllerAdvice bean.");

        TeleportControllerException twoBodies = new TeleportControllerException("orders", Object.class,
                new IllegalStateException("Orders.place(Item, Item): two body parameters"));
        assertThat(twoBodies.action()).startsWith("Change the handler methods of 'orders'").contains("body parameter");

        TeleportControllerException exchange = TeleportControllerException.ofExchange("shop.StockApi", Object.class,
                new IllegalStateException("shop.StockApi.item has two body parameters"));
        assertThat(exchange).hasMessageStartingWith("Teleport exchange interface 'shop.StockApi'");
        assertThat(exchange.action()).startsWith("Change the methods of 'shop.StockApi'").contains("one body parameter");
    }
}
