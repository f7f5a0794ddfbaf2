package io.teleport.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.proto.FastProto;
import io.teleport.proto.ProtoContext;
import io.teleport.xfer.XferFilters;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Frames as byte arrays, for tests that speak the protocol over raw sockets. */
public final class Frames {

    /** The default codecs and filters, with a 1 MiB limit. */
    public static final ProtoContext CONTEXT = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);

    private Frames() {
    }

    /** The whole frame of {@code packet}. */
    public static byte[] encode(Packet packet) {
        return encode(packet, CONTEXT);
    }

    /** The whole frame of {@code packet}, which may be as large as {@code context} allows. */
    public static byte[] encode(Packet packet, ProtoContext context) {
        ByteBuf buf = FastProto.INSTANCE.encode(packet, context, ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    /** The packet of one whole frame. */
    public static Packet decode(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            return FastProto.INSTANCE.decode(buf, CONTEXT, ByteBufAllocator.DEFAULT);
        } finally {
            buf.release();
        }
    }

    /** Reads one frame from a stream and decodes it. */
    public static Packet read(DataInputStream in) throws IOException {
        int size = in.readInt();
        byte[] frame = ByteBuffer.allocate(size).putInt(size).array();
        in.readFully(frame, 4, size - 4);
        return decode(frame);
    }
}
