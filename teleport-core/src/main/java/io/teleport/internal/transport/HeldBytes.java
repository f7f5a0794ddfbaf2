package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * How a connection's bytes that wait to be decoded are held: in a buffer of at most about twice their
 * size, never of the largest burst the connection once sent.
 *
 * <p>Netty's merging cumulation appends each read in place and drops decoded bytes only at the end of
 * a read loop, without ever shrinking: a burst of sixteen 64 KiB reads grew it to a megabyte, which
 * stayed while the first hundred bytes of one more frame waited. The inbound budget counts the
 * frame's hundred bytes; 300 connections doing so held all of a 256 MB server's direct memory, and
 * the allocations failing on the I/O threads stalled every other connection (hostile round 15). Here
 * a read that does not fit goes with the bytes still undecoded into a new buffer of twice their size
 * (at most 64 KiB more: a frame of more than that is gathered apart), so that a frame arriving in many
 * small reads is not copied whole at each; and after a read loop a buffer with more than {@link #SLACK}
 * bytes of room and over twice what it holds is rebuilt at about the size of what it holds.
 */
final class HeldBytes implements ByteToMessageDecoder.Cumulator {

    /** The room a held buffer may keep beyond its bytes after a read loop. */
    static final int SLACK = 4 * 1024;

    /** Set while the decoder passes over an empty read to have the cumulation rebuilt: nothing is decoded then. */
    boolean compacting;

    @Override
    public ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (!cumulation.isReadable() && in.isContiguous()) {
            // Nothing waits: the read's own buffer is the cumulation, as with Netty's.
            cumulation.release();
            return in;
        }
        try {
            int adding = in.readableBytes();
            if (!compacting && adding <= cumulation.writableBytes() && cumulation.refCnt() == 1
                    && !cumulation.isReadOnly()) {
                return cumulation.writeBytes(in);
            }
            // Held past the read loop, a small buffer of the allocator's would keep the chunk it was cut from:
            // rebuilt on the heap, it holds no more than itself.
            int size = cumulation.readableBytes() + adding;
            ByteBuf merged = compacting ? Unpooled.buffer(size + Math.min(size, SLACK))
                    : alloc.buffer(size + Math.min(size, 64 * 1024));
            try {
                merged.writeBytes(cumulation).writeBytes(in);
            } catch (RuntimeException e) {
                merged.release();
                throw e;
            }
            cumulation.release();
            return merged;
        } finally {
            in.release();
        }
    }

    /**
     * After a read loop: rebuilds {@code decoder}'s cumulation at about the size of what it holds when it
     * has more than {@link #SLACK} bytes of room and more room than bytes, by an empty read through the decoder.
     */
    void compact(PacketDecoder decoder, ChannelHandlerContext ctx, ByteBuf held) throws Exception {
        int room = held.capacity() - held.readableBytes();
        if (!held.isReadable() || room <= SLACK || room <= held.readableBytes()) {
            return;
        }
        compacting = true;
        try {
            decoder.channelRead(ctx, Unpooled.EMPTY_BUFFER);
        } finally {
            compacting = false;
        }
    }
}
