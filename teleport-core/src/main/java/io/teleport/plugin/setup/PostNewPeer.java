package io.teleport.plugin.setup;

import io.teleport.plugin.Plugin;

/**
 * Hook. When a peer is built: may register routes. An exception fails the peer's construction.
 */
public interface PostNewPeer extends Plugin {

    /** Runs the hook. */
    void postNewPeer(PeerSetup peer);
}
