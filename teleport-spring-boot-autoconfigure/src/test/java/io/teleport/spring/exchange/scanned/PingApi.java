package io.teleport.spring.exchange.scanned;

import io.teleport.spring.exchange.TeleportExchange;

/** Found by scanning its package; named by default: {@code /ping_api/ping}. */
@TeleportExchange
public interface PingApi {

    /** Answers {@code pong}. */
    String ping(String who);
}
