package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;

/**
 * Teleport v3's default protocol, {@code 'f'} ("fast"), byte for byte.
 *
 * <pre>
 * +----------+-------+---------+-----------+--------------------------------------------------+
 * | size u32 | 'f'   | N u8    | N filter  | payload (through the filters when N &gt; 0)          |
 * | (whole   | 0x66  |         | ids       | seq u64 | ptype u8 | uriLen u32 | uri |           |
 * |  frame)  |       |         |           | metaLen u32 | meta | codec u8 | body (to end)  |
 * +----------+-------+---------+-----------+--------------------------------------------------+
 * </pre>
 *
 * <p>All integers are big-endian and {@code size} counts itself. Filters are applied inner-most
 * (last id) first when sending and from the first id when receiving. The codec byte is always
 * present; the body has no length of its own.
 */
public final class FastProto implements Proto {

    /** The shared instance. */
    public static final FastProto INSTANCE = new FastProto();

    /** The protocol id byte, {@code 'f'}. */
    public static final byte ID = 'f';

    // size, proto id, filter count
    private static final int PREFIX = 6;
    // seq, ptype, uriLen, metaLen, codec
    private static final int MIN_PAYLOAD = 8 + 1 + 4 + 4 + 1;
    private static final int INITIAL_CAPACITY = 256;

    /**
     * The most transfer filters a frame may name. Teleport's format allows 255, and each costs a pass
     * over the frame on the I/O thread (255 gzip layers that do not grow took 26 ms of CPU per 5 KB
     * pull); real peers name one or two. As erpc's {@link ErpcRawProto#MAX_FILTERS}.
     */
    public static final int MAX_FILTERS = ErpcRawProto.MAX_FILTERS;

    private FastProto() {
    }

    @Override
    public String name() {
        return "fast";
    }

    @Override
    public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
        byte[] pipe = FramePayload.boundedPipe(packet, MAX_FILTERS);
        ByteBuf frame = alloc.ioBuffer(capacityFor(packet, ctx));
        frame.writeInt(0);
        frame.writeByte(ID);
        frame.writeByte(pipe.length);
        frame.writeBytes(pipe);
        return FramePayload.encode(frame, packet, ctx, alloc, FastProto::packFilter, FastProto::writePayload);
    }

    /** The frame size when it can be known up front, so that the buffer is not grown while writing. */
    private static int capacityFor(Packet packet, ProtoContext ctx) {
        ByteBuf encoded = packet.encodedBody();
        // A shared body is not copied in: the buffer is the header's alone.
        int body = encoded == null ? ctx.codecs().sizeHint(packet.bodyCodec(), packet.body())
                : FramePayload.sharesBody(packet) ? 0 : encoded.readableBytes();
        if (body < 0) {
            return INITIAL_CAPACITY;
        }
        // prefix, filter ids, seq, type, lengths, codec; the URI and meta at one byte a char (grows if not)
        return 32 + packet.xferPipe().length + packet.uri().length() + (packet.hasMeta() ? 64 : 0) + body;
    }

    /** Packs with the transfer filter {@code id}. */
    private static ByteBuf packFilter(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx) {
        return ctx.xferFilters().require(id).pack(payload, alloc);
    }

    private static void writePayload(Packet packet, ProtoContext ctx, ByteBuf out) {
        out.writeLong(packet.seq());
        out.writeByte(packet.type().code());
        int uriLenAt = out.writerIndex();
        out.writeInt(0);
        int uriLen = out.writeCharSequence(packet.uri(), StandardCharsets.UTF_8);
        SendBounds.uri(uriLen, ctx);
        out.setInt(uriLenAt, uriLen);
        int metaLenAt = out.writerIndex();
        out.writeInt(0);
        if (packet.hasMeta()) {
            int metaLen = packet.meta().writeTo(out);
            SendBounds.meta(metaLen, packet.meta().size(), ctx);
            out.setInt(metaLenAt, metaLen);
        }
        out.writeByte(packet.bodyCodec());
        FramePayload.writeBody(packet, ctx, out);
    }

    @Override
    public long frameSize(ByteBuf in, ProtoContext ctx) {
        int readable = in.readableBytes();
        if (readable < 4) {
            return -1;
        }
        int start = in.readerIndex();
        long size = in.getUnsignedInt(start);
        if (size > ctx.readLimit()) {
            throw new ProtoException("Size of package exceeds limit: " + size + " bytes (limit: "
                    + ctx.readLimit() + ")" + FramePayload.textHint(in, start));
        }
        if (size < PREFIX) {
            throw new ProtoException("bad frame size: " + size + " (expected: >= " + PREFIX + ")");
        }
        if (readable >= 5 && in.getByte(start + 4) != ID) {
            throw new ProtoException("Mismatched protocol: id 0x" + Integer.toHexString(in.getByte(start + 4) & 0xFF)
                    + " (expected: 0x66 'f'; an erpc v6 peer? " + FramePayload.SAME_PROTOCOL + ")");
        }
        if (readable >= 6 && in.getUnsignedByte(start + 5) > MAX_FILTERS) {
            throw new ProtoException("transfer filters: " + in.getUnsignedByte(start + 5) + " (expected: <= "
                    + MAX_FILTERS + ")");
        }
        return size;
    }

    @Override
    public @Nullable Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
        long size = frameSize(in, ctx);
        if (size < 0 || in.readableBytes() < size) {
            return null;
        }
        return FramePayload.decode(in, (int) size, PREFIX, in.getUnsignedByte(in.readerIndex() + 5), ctx, alloc,
                FastProto::unpackFilter, FastProto::readPayload);
    }

    /** The packet in bytes {@code from} to {@code end} (exclusive) of {@code p}. */
    private static Packet readPayload(ByteBuf p, int from, int end, ProtoContext ctx) {
        int i = from;
        if (end - i < MIN_PAYLOAD) {
            throw new ProtoException("bad frame: payload of " + (end - i) + " bytes (expected: >= " + MIN_PAYLOAD + ")");
        }
        long seq = p.getLong(i);
        byte typeCode = p.getByte(i + 8);
        PacketType type = PacketType.fromCode(typeCode);
        if (type == null) {
            throw new ProtoException("unsupported packet type: " + typeCode);
        }
        i += 9;
        long uriLen = p.getUnsignedInt(i);
        i += 4;
        checkLength("uri", uriLen, end - i - 5);
        if (uriLen > ctx.maxUriBytes()) {
            throw new ProtoException("uri of " + uriLen + " bytes exceeds the limit of " + ctx.maxUriBytes());
        }
        String uri = p.toString(i, (int) uriLen, StandardCharsets.UTF_8);
        i += (int) uriLen;
        long metaLen = p.getUnsignedInt(i);
        i += 4;
        checkLength("meta", metaLen, end - i - 1);
        if (metaLen > ctx.maxMetaBytes()) {
            throw new ProtoException("meta of " + metaLen + " bytes exceeds the limit of " + ctx.maxMetaBytes());
        }
        Meta meta;
        try {
            meta = metaLen == 0 ? null : Meta.parse(p, i, (int) metaLen, ctx.maxMetaPairs());
        } catch (IllegalArgumentException tooManyPairs) {
            throw new ProtoException(tooManyPairs.getMessage());
        }
        i += (int) metaLen;
        byte codec = p.getByte(i++);
        byte[] body = new byte[end - i];
        p.getBytes(i, body);
        Packet packet = new Packet(type).seq(seq).uri(uri).bodyCodec(codec).bodyBytes(body);
        if (meta != null) {
            packet.meta(meta);
        }
        return packet;
    }

    private static void checkLength(String field, long length, int available) {
        if (length > available) {
            throw new ProtoException("bad frame: " + field + " length " + length + " exceeds the " + available
                    + " bytes left");
        }
    }

    /** Undoes the transfer filter {@code id}. */
    private static ByteBuf unpackFilter(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx, int maxSize) {
        return ctx.xferFilters().require(id).unpack(payload, alloc, maxSize);
    }
}
