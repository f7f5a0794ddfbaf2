/**
 * The entry point: {@link Peer}, one endpoint that listens, dials and serves sessions, and
 * {@link PeerBuilder}, which builds one with its plugins, codecs, filters and default protocol.
 */
@NullMarked
package io.teleport;

import org.jspecify.annotations.NullMarked;
