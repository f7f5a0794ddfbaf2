package io.teleport.spring.exchange.scanned;

/** In the scanned package without {@code @TeleportExchange}: no proxy for it. */
public interface NotAnExchange {

    /** Never called. */
    String nothing();
}
