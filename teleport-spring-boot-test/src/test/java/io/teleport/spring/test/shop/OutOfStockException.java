package io.teleport.spring.test.shop;

/** Thrown for a sku with nothing left; {@link ShopErrors} makes it a 1409 reply. */
public class OutOfStockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OutOfStockException(String sku) {
        super(sku);
    }
}
