package io.teleport.spring.autoconfigure;

import io.teleport.config.PeerConfig;

/**
 * Customizes the peer's configuration after the {@code teleport.*} properties were applied. Beans of
 * this type run in {@code @Order}.
 */
@FunctionalInterface
public interface TeleportPeerConfigCustomizer {

    /** Customizes the builder. */
    void customize(PeerConfig.Builder builder);
}
