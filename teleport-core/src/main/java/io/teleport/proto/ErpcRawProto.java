package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.codec.Codecs;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.xfer.XferFilter;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;

/**
 * erpc v6's default protocol, "raw" (erpc v6.3.5), byte for byte.
 *
 * <pre>
 * +----------+------+-----------+-------------------------------------------------------------------+
 * | size u32 | N u8 | N filter  | payload (through the filters when N &gt; 0)                           |
 * | (whole   |      | ids       | seqLen u8 | seq (base 36) | mtype u8 | smLen u8 | service method |   |
 * |  frame)  |      |           | statusLen u16 | status | metaLen u16 | meta | codec u8 | body     |
 * +----------+------+-----------+-------------------------------------------------------------------+
 * </pre>
 *
 * <p>There is no protocol byte. Integers are big-endian and {@code size} counts itself. How erpc's
 * message kinds map onto the core's:
 * <ul>
 *   <li>CALL (1) is a {@link PacketType#PULL}, PUSH (3) a {@link PacketType#PUSH}, both with the service
 *       method (at most {@value #MAX_SERVICE_METHOD} bytes) as URI.
 *   <li>REPLY (2) is a {@link PacketType#REPLY}; erpc writes no service method in it and matches it by
 *       seq alone, so a decoded reply has an empty URI.
 *   <li>AUTH_CALL (4) and AUTH_REPLY (5), which carry no service method either, are a PULL and a REPLY
 *       whose URI is {@value #AUTH_URI}, the path of the core's auth handshake: on this protocol that
 *       handshake <em>is</em> erpc's, and no other pull can use the path: a CALL or PUSH to it is refused
 *       as a bad frame (its reply would be an AUTH_REPLY, which a CALL does not expect).
 * </ul>
 *
 * <p>The seq is the sender's int32 counter written with {@code strconv.FormatInt(seq, 36)}; here it is
 * its 32 bits read as an unsigned number (Go's counter wraps to negative after 2<sup>31</sup> - 1, written
 * with a minus sign), and {@link #seq(long)} makes a session count from 1 as erpc does. Only the canonical
 * text is accepted, so that every frame re-encodes to the same bytes.
 *
 * <p>The status ({@code code=N&msg=..&cause=..}) of a failed reply becomes the reply's {@link Rerror}
 * under {@link Rerror#META_KEY} and back (see {@link ErpcStatus}); a failed REPLY is written with codec 0
 * and no body, as erpc writes it, while a failed AUTH_REPLY keeps its codec ({@code 's'}, the handshake's
 * string codec, when the packet has none). A status with code 0 must be
 * exactly {@code code=0}. The gzip filter {@code 'g'} is erpc's complete-member form ({@link ErpcGzip}),
 * never Teleport v3's flushed one; other filter ids come from the {@link ProtoContext}. Every length is
 * checked against what is left of the frame and against its bound before anything is allocated for it.
 */
public final class ErpcRawProto implements Proto {

    /** The shared instance. */
    public static final ErpcRawProto INSTANCE = new ErpcRawProto();

    /** The core URI of AUTH_CALL and AUTH_REPLY frames. */
    public static final String AUTH_URI = "/auth/verify";
    /** The longest service method a frame can carry, in UTF-8 bytes: its length is one byte. */
    public static final int MAX_SERVICE_METHOD = 255;
    /**
     * The most transfer filters a frame may name. Real erpc peers use one at most; the bound also keeps
     * byte 4 of a frame (the filter count) far from Teleport v3's protocol byte {@code 0x66}.
     */
    public static final int MAX_FILTERS = 8;

    /** The request meta key by which an erpc caller asks for the reply's codec. */
    public static final String ACCEPT_BODY_CODEC = "X-Accept-Body-Codec";

    /** The codec of the auth handshake's bodies, {@code 's'}. */
    static final byte AUTH_CODEC = 's';

    static final byte CALL = 1;
    static final byte REPLY = 2;
    static final byte PUSH = 3;
    static final byte AUTH_CALL = 4;
    static final byte AUTH_REPLY = 5;

    private static final int PREFIX = 5;
    // seqLen + 1 seq char, mtype, smLen, statusLen, metaLen, codec
    private static final int MIN_PAYLOAD = 2 + 1 + 1 + 2 + 2 + 1;
    private static final int MAX_U16 = 0xFFFF;

    private ErpcRawProto() {
    }

    @Override
    public String name() {
        return "erpc-v6";
    }

    /** erpc counts each side's calls and pushes from 1, in an int32 that wraps. */
    @Override
    public long seq(long counter) {
        return (counter + 1) & 0xFFFF_FFFFL;
    }

    /**
     * The value of {@link Rerror#META_KEY} for {@code error} (with no detail) that the status writes as
     * {@code cause=} with nothing after it, as erpc's built-in errors do (its 404, vector E14), where a
     * {@code Rerror} with an empty detail writes no {@code cause} key (vector E23).
     */
    public static String withEmptyCause(Rerror error) {
        String json = error.toJson();
        return json.substring(0, json.length() - 1) + ErpcStatus.EMPTY_CAUSE;
    }

    /**
     * The codec of a successful reply whose handler chose none, by erpc's rule: the request's meta
     * {@value #ACCEPT_BODY_CODEC} (a codec id in decimal) when it names a known codec, else the request's
     * codec, even for an empty body (vector E12).
     */
    public static byte replyCodec(Packet request, Codecs codecs) {
        String accept = request.hasMeta() ? request.meta().peek(ACCEPT_BODY_CODEC) : null;
        if (accept != null && !accept.isEmpty() && accept.length() <= 3) {
            try {
                int id = Integer.parseInt(accept);
                if (id > 0 && id < 256 && codecs.get((byte) id) != null) {
                    return (byte) id;
                }
            } catch (NumberFormatException notANumber) {
                // erpc ignores it too
            }
        }
        return request.bodyCodec();
    }

    @Override
    public ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
        byte[] pipe = FramePayload.boundedPipe(packet, MAX_FILTERS);
        ByteBuf frame = alloc.ioBuffer(64 + packet.uri().length() + bodySizeHint(packet, ctx));
        frame.writeInt(0);
        frame.writeByte(pipe.length);
        frame.writeBytes(pipe);
        return FramePayload.encode(frame, packet, ctx, alloc, ErpcRawProto::pack, ErpcRawProto::writePayload);
    }

    private static int bodySizeHint(Packet packet, ProtoContext ctx) {
        ByteBuf encoded = packet.encodedBody();
        // A shared body is not copied in: the buffer is the header's alone.
        int hint = encoded == null ? ctx.codecs().sizeHint(packet.bodyCodec(), packet.body())
                : FramePayload.sharesBody(packet) ? 0 : encoded.readableBytes();
        return Math.max(hint, 0) + (packet.hasMeta() ? 64 : 0);
    }

    /** Packs with the transfer filter {@code id}; erpc's gzip writes a whole member with its trailer. */
    private static ByteBuf pack(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx) {
        return id == ErpcGzip.ID ? ErpcGzip.pack(payload, alloc) : ctx.xferFilters().require(id).pack(payload, alloc);
    }

    private static void writePayload(Packet packet, ProtoContext ctx, ByteBuf out) {
        String seq = Integer.toString((int) packet.seq(), 36);
        out.writeByte(seq.length());
        out.writeCharSequence(seq, StandardCharsets.US_ASCII);
        boolean auth = AUTH_URI.equals(packet.uri());
        if (auth && packet.type() == PacketType.PUSH) {
            throw new ProtoException("a push to " + AUTH_URI + ": on erpc v6 that path is the handshake's, an AUTH_CALL");
        }
        byte mtype = switch (packet.type()) {
            case PULL -> auth ? AUTH_CALL : CALL;
            case REPLY -> auth ? AUTH_REPLY : REPLY;
            case PUSH -> PUSH;
        };
        out.writeByte(mtype);
        int smLenAt = out.writerIndex();
        out.writeByte(0);
        if (mtype == CALL || mtype == PUSH) {
            int smLen = out.writeCharSequence(packet.uri(), StandardCharsets.UTF_8);
            if (smLen > MAX_SERVICE_METHOD) {
                throw new ProtoException("service method of " + smLen + " bytes (expected: <= "
                        + MAX_SERVICE_METHOD + ")");
            }
            SendBounds.uri(smLen, ctx);
            out.setByte(smLenAt, smLen);
        }
        boolean reply = mtype == REPLY || mtype == AUTH_REPLY;
        String error = reply && packet.hasMeta() ? packet.meta().peek(Rerror.META_KEY) : null;
        int statusLenAt = out.writerIndex();
        out.writeShort(0);
        setU16("status", out, statusLenAt, ErpcStatus.write(error, out));
        int metaLenAt = out.writerIndex();
        out.writeShort(0);
        if (packet.hasMeta()) {
            Meta meta = packet.meta();
            if (error != null) {
                // The error travels in the status field, not as a pair.
                meta = meta.copy().delete(Rerror.META_KEY);
            }
            int metaLen = meta.writeTo(out);
            SendBounds.meta(metaLen, meta.size(), ctx);
            setU16("meta", out, metaLenAt, metaLen);
        }
        if (error != null && mtype == REPLY) {
            out.writeByte(Packet.NO_CODEC);
            return;
        }
        byte codec = packet.bodyCodec();
        if (mtype == AUTH_REPLY && codec == Packet.NO_CODEC) {
            // erpc's auth plugin answers with its body codec even when it refuses (E40); the core's
            // handshake is a string exchange, and a core error reply has no codec.
            codec = AUTH_CODEC;
        }
        out.writeByte(codec);
        FramePayload.writeBody(packet, ctx, out);
    }

    private static void setU16(String field, ByteBuf out, int at, int length) {
        if (length > MAX_U16) {
            throw new ProtoException(field + " of " + length + " bytes (expected: <= " + MAX_U16 + ")");
        }
        out.setShort(at, length);
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
        if (size < PREFIX + MIN_PAYLOAD) {
            throw new ProtoException("bad frame size: " + size + " (expected: >= " + (PREFIX + MIN_PAYLOAD) + ")");
        }
        if (readable >= 5 && in.getUnsignedByte(start + 4) > MAX_FILTERS) {
            throw new ProtoException("bad frame: " + in.getUnsignedByte(start + 4) + " transfer filters (expected: <= "
                    + MAX_FILTERS + ")" + (in.getByte(start + 4) == FastProto.ID ? "; a Teleport v3 frame? " + FramePayload.SAME_PROTOCOL : ""));
        }
        return size;
    }

    @Override
    public @Nullable Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc) {
        long size = frameSize(in, ctx);
        if (size < 0 || in.readableBytes() < size) {
            return null;
        }
        return FramePayload.decode(in, (int) size, PREFIX, in.getUnsignedByte(in.readerIndex() + 4), ctx, alloc,
                ErpcRawProto::unpackFilter, ErpcRawReader::read);
    }

    /** Undoes the transfer filter {@code id}. */
    private static ByteBuf unpackFilter(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx, int maxSize) {
        // erpc's gzip writes a whole member with its trailer, not v3's flushed stream; a peer whose
        // registry has no gzip (one that refuses to inflate for its senders) refuses it here too.
        XferFilter filter = ctx.xferFilters().require(id);
        return id == ErpcGzip.ID ? ErpcGzip.unpack(payload, alloc, maxSize) : filter.unpack(payload, alloc, maxSize);
    }
}
