/**
 * The hooks that run while a peer is built, and {@link PeerSetup}, the view of the peer they get.
 */
@NullMarked
package io.teleport.plugin.setup;

import org.jspecify.annotations.NullMarked;
