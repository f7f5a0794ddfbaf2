package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * For accepting sides only: each connection speaks the protocol of the first frame it receives, Teleport
 * v3's {@link FastProto} or erpc v6's {@link ErpcRawProto}, and keeps it for its whole life. So one port
 * serves clients of both Go generations.
 *
 * <p>Byte 4 of a frame, right after the size, tells them apart. In Teleport v3 it is the protocol byte,
 * always {@code 0x66} ({@code 'f'}). erpc v6 has no protocol byte: byte 4 is its transfer-filter count,
 * which {@link ErpcRawProto} bounds to {@value ErpcRawProto#MAX_FILTERS} (real erpc peers send 0 or 1),
 * so it is {@code 0x00} to {@code 0x08} and never {@code 0x66}. Any other value is neither protocol and
 * the connection is refused. The first frame is then decoded, and checked in full, by the protocol chosen,
 * so a stream that only looks right in byte 4 fails as that protocol would fail it.
 *
 * <p>The choice is made by the connection's frame decoder with {@link #detect}; until the client has
 * spoken, the connection has no protocol and nothing can be written to it ({@link #encode} refuses), which
 * only matters to a server that pushes before the first request. A dialing side speaks first and cannot
 * wait to learn: dialing with this protocol is refused.
 */
public final class AutoProto implements Proto {

    /** The shared instance. */
    public static final AutoProto INSTANCE = new AutoProto();

    private AutoProto() {
    }

    @Override
    public String name() {
        return "auto";
    }

    /**
     * The protocol of the frame starting at the reader index of {@code in}, or {@code null} while fewer
     * than 5 bytes have arrived. Consumes nothing.
     *
     * @throws ProtoException when byte 4 is neither Teleport v3's protocol byte nor an erpc v6 filter count
     */
    public static @Nullable Proto detect(ByteBuf in) {
        if (in.readableBytes() < 5) {
            return null;
        }
        int b = in.getUnsignedByte(in.readerIndex() + 4);
        if (b == (FastProto.ID & 0xFF)) {
            return FastProto.INSTANCE;
        }
        if (b <= ErpcRawProto.MAX_FILTERS) {
            return ErpcRawProto.INSTANCE;
        }
        throw new ProtoException("Mismatched protocol: byte 4 is 0x" + Integer.toHexString(b)
                + " (expected: 0x66 for Teleport v3, 0x00-0x0" + ErpcRawProto.MAX_FILTERS + " for erpc v6)");
    }

    /**
     * Always refused: a connection's frames are written by the protocol {@link #detect} chose.
     *
     * @throws ProtoException always
     */
    @Override
    public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
        throw new ProtoException("protocol not known yet: nothing was received on this connection, and under"
                + " teleport.protocol: auto it speaks the protocol of the first frame it receives (a client that"
                + " only listens must send one first: a heartbeat ping, any pull or push)");
    }

    /** Decodes with the protocol of this frame; for callers that keep no state of their own. */
    @Override
    public @Nullable Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
        Proto proto = detect(in);
        return proto == null ? null : proto.decode(in, ctx, alloc);
    }

    @Override
    public long frameSize(ByteBuf in, ProtoContext ctx) {
        Proto proto = detect(in);
        return proto == null ? -1 : proto.frameSize(in, ctx);
    }
}
