package io.teleport.spring.test.shop;

import io.teleport.message.Rerror;
import io.teleport.spring.annotation.TeleportControllerAdvice;
import io.teleport.spring.annotation.TeleportExceptionHandler;

/** The shop's own error replies. */
@TeleportControllerAdvice
public class ShopErrors {

    @TeleportExceptionHandler
    Rerror outOfStock(OutOfStockException e) {
        return new Rerror(1409, "Out Of Stock", e.getMessage());
    }
}
