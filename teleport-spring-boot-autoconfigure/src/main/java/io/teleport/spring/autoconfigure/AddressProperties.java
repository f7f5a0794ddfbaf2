package io.teleport.spring.autoconfigure;

import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.transport.Addresses;
import io.teleport.transport.Network;

import java.util.Map;

/**
 * Checks every address of {@link TeleportProperties} when the properties are bound, so that a bad one
 * fails start-up naming its property, whichever role it belongs to: a client address would otherwise
 * fail only each call, and a listen address only after the rest of the application started. Only the
 * text is checked: host names are resolved when they are dialed, as they may not resolve yet.
 */
final class AddressProperties {

    private static final String FORMS = "such as 127.0.0.1:9090 (a socket path when teleport.network is unix, a name when local)";

    private AddressProperties() {
    }

    static void check(String networkName, TeleportProperties.Server server, TeleportProperties.Client client,
            Map<String, TeleportProperties.Client> clients) {
        Network network = Network.of(networkName);
        String listen = server == null ? null : server.listenAddress();
        if (listen != null && !listen.isBlank()) {
            check(network, "teleport.server.listen-address", listen, "Set teleport.server.listen-address to the "
                    + "address to listen on, such as 0.0.0.0:9090 or :9090 (a socket path when teleport.network is "
                    + "unix), or leave it empty for no server.");
        }
        if (client != null) {
            oneTarget("teleport.client", client);
            if (client.address() != null) {
                check(network, "teleport.client.address", client.address(), "Set teleport.client.address to the "
                        + "remote peer's host:port, " + FORMS + ", or remove it.");
            }
        }
        clients.forEach((name, named) -> {
            String prefix = "teleport.clients." + name;
            oneTarget(prefix, named);
            if (!named.discovered()) {
                String key = prefix + ".address";
                check(network, key, named.address(), "Set " + key + " to the remote peer's host:port, " + FORMS
                        + ", or " + prefix + ".service-id to a service's name, or remove " + prefix + ".");
            }
        });
    }

    /** A remote is one address or one service's instances, not both. */
    private static void oneTarget(String prefix, TeleportProperties.Client client) {
        if (client.discovered() && client.address() != null) {
            throw new TeleportConfigurationException(prefix + ".service-id", "both " + prefix + ".address and "
                    + prefix + ".service-id are set", "Set either " + prefix + ".address (one remote peer) or "
                    + prefix + ".service-id (the instances of a service, found through Spring Cloud's DiscoveryClient), "
                    + "not both.", null);
        }
    }

    private static void check(Network network, String key, String address, String action) {
        try {
            Addresses.check(network, address);
        } catch (IllegalArgumentException e) {
            // The key says which address: core's "address: " in front would only repeat it.
            throw new TeleportConfigurationException(key, e.getMessage().replaceFirst("^address: ", ""), action, e);
        }
    }
}
