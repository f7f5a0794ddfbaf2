package io.teleport.spring.discovery;

import org.jspecify.annotations.Nullable;

import java.util.Map;

/**
 * The keys a Teleport server puts in its service instance's metadata, so that one registration can
 * describe both an HTTP port (the instance's own) and a Teleport port, as gRPC's integrations do.
 */
public final class TeleportMetadata {

    /** The port the peer listens on. */
    public static final String PORT = "teleport.port";
    /** The name of the peer's default protocol, such as {@code fast} (Go Teleport v3's). */
    public static final String PROTOCOL = "teleport.protocol";
    /** The network the peer listens on: tcp, tcp4, tcp6 or unix. */
    public static final String NETWORK = "teleport.network";
    /** {@code true} when the peer's sessions use TLS. */
    public static final String TLS = "teleport.tls";

    private TeleportMetadata() {
    }

    /**
     * The Teleport port an instance's metadata names, or {@code fallback} (the instance's own port)
     * when it names none, as for a server registered by other means.
     *
     * @throws IllegalArgumentException when the metadata names a port that is not one
     */
    public static int port(@Nullable Map<String, String> metadata, int fallback) {
        String port = metadata == null ? null : metadata.get(PORT);
        if (port == null || port.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(port.trim());
            if (value > 0 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(PORT + ": '" + port + "' is not a port");
    }
}
