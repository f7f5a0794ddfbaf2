/**
 * Declarative clients: {@link io.teleport.spring.exchange.TeleportExchange} interfaces describe
 * routes once; {@link io.teleport.spring.exchange.ImportTeleportExchanges} gives a client a proxy
 * bean of each, calling through its remote's {@code SessionTemplate}, and a controller implementing
 * one serves its routes under the same names ({@link io.teleport.spring.exchange.ExchangeRoutes}).
 */
package io.teleport.spring.exchange;
