package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;

import java.nio.charset.StandardCharsets;

/**
 * Reads the payload of an {@link ErpcRawProto} frame (after its filters are undone) into a packet.
 *
 * <p>erpc v6.3.5 itself indexes the payload without bounds checks and relies on recovering from the
 * panic; here every length is checked against the bytes left and against the context's bounds before
 * anything is allocated for it, and what would not re-encode to the same bytes is refused.
 */
final class ErpcRawReader {

    private static final int MAX_SEQ_TEXT = 7;

    private ErpcRawReader() {
    }

    /** The packet in bytes {@code from} to {@code end} (exclusive) of {@code p}. */
    static Packet read(ByteBuf p, int from, int end, ProtoContext ctx) {
        int i = from;
        // seqLen + one seq byte, mtype, smLen, statusLen, metaLen, codec
        if (end - i < 9) {
            throw new ProtoException("bad frame: payload of " + (end - i) + " bytes (expected: >= 9)");
        }
        int seqLen = p.getUnsignedByte(i++);
        if (seqLen == 0 || seqLen > MAX_SEQ_TEXT) {
            throw new ProtoException("bad seq: " + seqLen + " characters (expected: 1 to " + MAX_SEQ_TEXT + ")");
        }
        checkLength("seq", seqLen, end - i - 7);
        long seq = parseSeq(p, i, seqLen);
        i += seqLen;
        byte mtype = p.getByte(i++);
        if (mtype < ErpcRawProto.CALL || mtype > ErpcRawProto.AUTH_REPLY) {
            throw new ProtoException("unsupported message type: " + mtype + " (expected: 1 to 5)");
        }
        int smLen = p.getUnsignedByte(i++);
        checkLength("service method", smLen, end - i - 5);
        if (smLen > ctx.maxUriBytes()) {
            throw new ProtoException("service method of " + smLen + " bytes exceeds the limit of " + ctx.maxUriBytes());
        }
        boolean request = mtype == ErpcRawProto.CALL || mtype == ErpcRawProto.PUSH;
        if (smLen > 0 && !request) {
            throw new ProtoException("bad frame: a service method in a message of type " + mtype
                    + " (erpc writes none in REPLY, AUTH_CALL and AUTH_REPLY)");
        }
        String uri = p.toString(i, smLen, StandardCharsets.UTF_8);
        if (request && uri.equals(ErpcRawProto.AUTH_URI)) {
            // Its reply would be an AUTH_REPLY, which the caller's CALL does not expect (hostile round 13);
            // written otherwise (a query, escapes) it is answered with a REPLY, as the reply keeps its URI.
            throw new ProtoException("a " + (mtype == ErpcRawProto.CALL ? "CALL" : "PUSH") + " to "
                    + ErpcRawProto.AUTH_URI + ": on erpc v6 that path is the handshake's, an AUTH_CALL");
        }
        i += smLen;
        int statusLen = p.getUnsignedShort(i);
        i += 2;
        checkLength("status", statusLen, end - i - 3);
        String error = ErpcStatus.read(p, i, statusLen);
        if (error == null && !isOk(p, i, statusLen)) {
            throw new ProtoException("bad status: code 0 with more than 'code=0': "
                    + p.toString(i, statusLen, StandardCharsets.UTF_8));
        }
        if (error != null && mtype != ErpcRawProto.REPLY && mtype != ErpcRawProto.AUTH_REPLY) {
            throw new ProtoException("bad status: an error status in a request (type " + mtype + ")");
        }
        i += statusLen;
        int metaLen = p.getUnsignedShort(i);
        i += 2;
        checkLength("meta", metaLen, end - i - 1);
        if (metaLen > ctx.maxMetaBytes()) {
            throw new ProtoException("meta of " + metaLen + " bytes exceeds the limit of " + ctx.maxMetaBytes());
        }
        Meta meta;
        try {
            meta = metaLen == 0 ? null : Meta.parse(p, i, metaLen, ctx.maxMetaPairs());
        } catch (IllegalArgumentException tooManyPairs) {
            throw new ProtoException(tooManyPairs.getMessage());
        }
        i += metaLen;
        byte codec = p.getByte(i++);
        byte[] body = new byte[end - i];
        p.getBytes(i, body);
        PacketType type = switch (mtype) {
            case ErpcRawProto.CALL, ErpcRawProto.AUTH_CALL -> PacketType.PULL;
            case ErpcRawProto.PUSH -> PacketType.PUSH;
            default -> PacketType.REPLY;
        };
        if (mtype == ErpcRawProto.AUTH_CALL || mtype == ErpcRawProto.AUTH_REPLY) {
            uri = ErpcRawProto.AUTH_URI;
        }
        Packet packet = new Packet(type).seq(seq).uri(uri).bodyCodec(codec).bodyBytes(body);
        if (meta != null) {
            packet.meta(meta);
        }
        if (error != null) {
            packet.meta().set(Rerror.META_KEY, error);
        }
        return packet;
    }

    private static boolean isOk(ByteBuf p, int i, int length) {
        return length == ErpcStatus.OK.length && ErpcStatus.isOk(p, i);
    }

    /** {@link #parseSeq(String)} on bytes, without a string on the common path (every frame has a seq). */
    static long parseSeq(ByteBuf p, int from, int length) {
        int i = from;
        int end = from + length;
        boolean negative = p.getByte(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        for (int at = i; at < end; at++) {
            int c = p.getByte(at);
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
            // No sign but the first, no upper case, no leading zero (nor "-0"): what FormatInt writes.
            if (digit < 0 || (digit == 0 && at == i && (end - i > 1 || negative))) {
                return parseSeq(p.toString(from, length, StandardCharsets.ISO_8859_1));
            }
            value = value * 36 + digit;
        }
        if (i == end) {
            return parseSeq(p.toString(from, length, StandardCharsets.ISO_8859_1));
        }
        value = negative ? -value : value;
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            return parseSeq(p.toString(from, length, StandardCharsets.ISO_8859_1));
        }
        return Integer.toUnsignedLong((int) value);
    }

    /**
     * The seq's 32 bits as an unsigned number, or a {@link ProtoException} naming the fault. Only the text Go's {@code FormatInt(int32, 36)} writes is
     * accepted: lower case, no leading zero or plus sign, within int32.
     */
    static long parseSeq(String text) {
        int value;
        try {
            value = Integer.parseInt(text, 36);
        } catch (NumberFormatException e) {
            throw new ProtoException("bad seq: '" + text + "' is not a base-36 int32");
        }
        if (!Integer.toString(value, 36).equals(text)) {
            throw new ProtoException("bad seq: '" + text + "' (expected: '" + Integer.toString(value, 36) + "')");
        }
        return Integer.toUnsignedLong(value);
    }

    private static void checkLength(String field, int length, int available) {
        if (length > available) {
            throw new ProtoException("bad frame: " + field + " length " + length + " exceeds the " + Math.max(0, available)
                    + " bytes left");
        }
    }
}
