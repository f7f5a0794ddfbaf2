/**
 * Scale-out through Spring Cloud Commons: a listening peer registers itself with the application's
 * service registry, its Teleport port and protocol in the instance metadata
 * ({@link io.teleport.spring.discovery.TeleportMetadata}), and deregisters before it drains; a remote
 * named by {@code service-id} follows that service's instances through the {@code DiscoveryClient}.
 * Present only when Spring Cloud Commons is on the class path.
 */
package io.teleport.spring.discovery;
