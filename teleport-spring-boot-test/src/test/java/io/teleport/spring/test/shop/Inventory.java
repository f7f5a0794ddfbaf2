package io.teleport.spring.test.shop;

import org.springframework.stereotype.Service;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The shop's stock: a plain service, which a {@code @TeleportTest} does not create. */
@Service
public class Inventory {

    private final Map<String, Integer> counts = new ConcurrentHashMap<>(Map.of("apple", 3, "pear", 0));

    /** How many of {@code sku} are left, or -1 for an unknown one. */
    public int count(String sku) {
        return counts.getOrDefault(sku, -1);
    }

    /** Adds {@code n} of {@code sku} to the stock. */
    public void add(String sku, int n) {
        counts.merge(sku, n, Integer::sum);
    }
}
