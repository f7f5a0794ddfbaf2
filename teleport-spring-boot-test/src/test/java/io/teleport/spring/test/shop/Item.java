package io.teleport.spring.test.shop;

/** A stock item. */
public record Item(String sku, int count) {
}
