/**
 * Messages as the peer sees them: {@link Packet} and its {@link PacketType}, {@link Meta} (the wire form of
 * metadata) and {@link Rerror}, the reply error that failed pulls end with.
 */
@NullMarked
package io.teleport.message;

import org.jspecify.annotations.NullMarked;
