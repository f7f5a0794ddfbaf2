package io.teleport.xfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A transfer filter: a reversible transformation of a frame's payload, such as compression, named on
 * the wire by its id byte.
 *
 * <p>Implementations are thread-safe. Neither method releases its input; each returns a new buffer
 * that the caller owns, and releases anything of its own when it throws.
 */
public interface XferFilter {

    /** The id byte written in the frame's filter list, such as {@code 'g'}. */
    byte id();

    /** A name for configuration and logs, such as {@code gzip}. */
    String name();

    /** Transforms the readable bytes of {@code in} for sending. */
    ByteBuf pack(ByteBuf in, ByteBufAllocator alloc);

    /**
     * Undoes {@link #pack}.
     *
     * @param maxSize the most bytes the result may have; larger output is an error, so that a small
     *     frame cannot expand into an unbounded buffer
     * @throws XferException when the input is not valid or expands past {@code maxSize}
     */
    ByteBuf unpack(ByteBuf in, ByteBufAllocator alloc, int maxSize);
}
