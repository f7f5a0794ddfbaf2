package io.teleport.plugin;

import io.teleport.Peer;

/**
 * Hook. When a peer is built: may register routes. An exception fails the peer's construction.
 */
public interface PostNewPeer extends Plugin {

    /** Runs the hook. */
    void postNewPeer(Peer peer);
}
