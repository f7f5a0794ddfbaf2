package io.teleport.plugin.setup;

import io.teleport.config.PeerConfig;
import io.teleport.plugin.Plugin;

/**
 * Hook. While a peer is built, before its configuration is checked: may change the configuration. An
 * exception fails the peer's construction.
 */
public interface PreNewPeer extends Plugin {

    /** Runs the hook. */
    void preNewPeer(PeerConfig.Builder config);
}
