package io.teleport.spring.client;

import java.util.Map;
import java.util.Objects;

/**
 * One instance of a remote service, as its registry describes it: what a {@link TeleportLoadBalancer}
 * chooses among. Kept free of any registry's types, so that templates work without Spring Cloud.
 *
 * @param id the instance's id in its registry (its address when the registry gives none)
 * @param address the host:port its peer listens on
 * @param metadata the registry's metadata of the instance (zone, version, weight...)
 */
public record TeleportInstance(String id, String address, Map<String, String> metadata) {

    /** Copies the metadata. */
    public TeleportInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** An instance known only by its address, as a remote configured with one. */
    public static TeleportInstance of(String address) {
        return new TeleportInstance(address, address, Map.of());
    }
}
