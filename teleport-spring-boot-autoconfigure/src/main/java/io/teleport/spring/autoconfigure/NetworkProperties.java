package io.teleport.spring.autoconfigure;

import io.teleport.config.PeerConfig;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.transport.Network;
import io.teleport.transport.Transport;
import io.teleport.transport.TransportType;

/**
 * Checks how {@link TeleportProperties} reach the network (the network, the transport, the local IP)
 * when the properties are bound, so that a bad value fails start-up naming its property and what to
 * set instead. A native transport is also tried here: one this system cannot load (kqueue on Linux,
 * io_uring that a container forbids) fails with Netty's reason rather than when the peer is built.
 */
final class NetworkProperties {

    private NetworkProperties() {
    }

    static void check(String network, String transport, String localIp) {
        try {
            Network.of(network);
        } catch (IllegalArgumentException e) {
            throw new TeleportConfigurationException("teleport.network", String.valueOf(e.getMessage())
                    .replaceFirst("^network: ", ""), "Set teleport.network to tcp, tcp4, tcp6, unix or local.", e);
        }
        TransportType type;
        try {
            type = TransportType.of(transport);
        } catch (IllegalArgumentException e) {
            throw new TeleportConfigurationException("teleport.transport", String.valueOf(e.getMessage())
                    .replaceFirst("^transport: ", ""), "Set teleport.transport to auto, nio, epoll, kqueue or io-uring.", e);
        }
        try {
            Transport.select(type);
        } catch (IllegalStateException e) {
            throw new TeleportConfigurationException("teleport.transport", transport + ": " + String.valueOf(e.getMessage())
                    .replaceFirst("^transport \\S+ ", ""), "Set teleport.transport to auto (the best this system has) "
                    + "or nio.", e);
        }
        try {
            PeerConfig.builder().localIp(localIp);
        } catch (IllegalArgumentException e) {
            throw new TeleportConfigurationException("teleport.local-ip", String.valueOf(e.getMessage())
                    .replaceFirst("^localIp: ", ""),
                    "Set teleport.local-ip to an IP address of this host, or leave it unset for the system's choice.", e);
        }
    }
}
