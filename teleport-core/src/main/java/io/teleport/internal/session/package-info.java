/**
 * The session engine: {@link DefaultSession} and its lifecycle, this side's calls and the pulls waiting
 * for replies, outbound bytes and redials, the inbound message ({@link InboundContext}) and what every
 * session of a peer shares ({@link PeerContext}). Not API.
 */
@NullMarked
package io.teleport.internal.session;

import org.jspecify.annotations.NullMarked;
