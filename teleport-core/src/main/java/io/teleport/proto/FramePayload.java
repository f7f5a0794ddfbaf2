package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.message.Packet;

/**
 * What both protocols do once a whole frame is there and its prefix checked: undo the transfer
 * filters in the order the frame lists them, let the protocol read the payload, release every buffer
 * made on the way, and consume the frame whatever happened.
 */
final class FramePayload {

    private static final byte[] NO_FILTERS = new byte[0];

    /** Undoes one filter; a static method, so that passing it allocates nothing. */
    @FunctionalInterface
    interface Unpacker {
        /** A new buffer with {@code payload} unpacked by filter {@code id}, at most {@code ctx.maxUnpackedBytes()}. */
        ByteBuf unpack(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx);
    }

    /** Reads the packet in bytes {@code from} to {@code end} (exclusive) of a buffer it does not own. */
    @FunctionalInterface
    interface Reader {
        /** The packet. */
        Packet read(ByteBuf payload, int from, int end, ProtoContext ctx);
    }

    private FramePayload() {
    }

    /**
     * Decodes the frame of {@code frameSize} bytes at the reader index of {@code in}, whose filter ids
     * follow its {@code prefix} bytes, and skips it.
     *
     * @param filterCount the number of filter ids, as the prefix says
     */
    static Packet decode(ByteBuf in, int frameSize, int prefix, int filterCount, ProtoContext ctx,
            ByteBufAllocator alloc, Unpacker unpacker, Reader reader) {
        int start = in.readerIndex();
        try {
            if (prefix + filterCount > frameSize) {
                throw new ProtoException("bad frame: " + filterCount + " filter ids in a " + frameSize + "-byte frame");
            }
            byte[] pipe = filterCount == 0 ? NO_FILTERS : new byte[filterCount];
            in.getBytes(start + prefix, pipe);
            int payloadStart = start + prefix + filterCount;
            int payloadEnd = start + frameSize;
            // Without filters the payload is read in place; each filter gives a buffer of its own.
            ByteBuf unpacked = null;
            try {
                if (filterCount > 0) {
                    ByteBuf payload = in.slice(payloadStart, payloadEnd - payloadStart);
                    for (byte id : pipe) {
                        ByteBuf next = unpacker.unpack(id, payload, alloc, ctx);
                        if (unpacked != null) {
                            unpacked.release();
                        }
                        payload = unpacked = next;
                    }
                    payloadStart = unpacked.readerIndex();
                    payloadEnd = unpacked.writerIndex();
                }
                Packet packet = reader.read(unpacked != null ? unpacked : in, payloadStart, payloadEnd, ctx);
                packet.xferPipe(pipe);
                packet.size(frameSize);
                return packet;
            } finally {
                if (unpacked != null) {
                    unpacked.release();
                }
            }
        } finally {
            in.skipBytes(frameSize);
        }
    }
}
