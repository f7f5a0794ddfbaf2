package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.teleport.message.Meta;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;

/**
 * The status field of an erpc v6 frame and its mapping to and from a {@link Rerror}.
 *
 * <p>On the wire it is a query string: {@code code=N} always, {@code &msg=<esc>} only when the message is
 * not empty, {@code &cause=<esc>} whenever the Go side had a cause, even an empty one (erpc's built-in
 * errors write {@code cause=}, a status made with a nil cause writes no {@code cause} key). Escaping is
 * {@link Meta}'s. In the core, a failed reply carries its error in metadata under
 * {@link Rerror#META_KEY}; the message becomes {@link Rerror#message()} and the cause
 * {@link Rerror#detail()}. Since a {@code Rerror} cannot tell an empty detail from none, a decoded
 * {@code cause=} is kept as an explicit {@code "detail":""} in that JSON, which {@link #write} reads back,
 * so that such frames re-encode byte for byte.
 */
final class ErpcStatus {

    /** The status of every CALL, PUSH and successful reply. */
    static final byte[] OK = "code=0".getBytes(StandardCharsets.US_ASCII);

    static final String EMPTY_CAUSE = ",\"detail\":\"\"}";
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (int c = 0; c < 128; c++) {
            UNRESERVED[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '*' || c == '-' || c == '.' || c == '_';
        }
    }

    private ErpcStatus() {
    }

    /**
     * Writes the status for {@code errorJson} (the value of {@link Rerror#META_KEY}, or {@code null} for
     * success) and returns its length in bytes.
     */
    static int write(@Nullable String errorJson, ByteBuf out) {
        if (errorJson == null || errorJson.isEmpty()) {
            out.writeBytes(OK);
            return OK.length;
        }
        Rerror error = Rerror.parse(errorJson);
        int start = out.writerIndex();
        out.writeCharSequence("code=" + error.code(), StandardCharsets.US_ASCII);
        if (!error.message().isEmpty()) {
            out.writeCharSequence("&msg=", StandardCharsets.US_ASCII);
            escape(error.message(), out);
        }
        if (!error.detail().isEmpty() || errorJson.endsWith(EMPTY_CAUSE)) {
            out.writeCharSequence("&cause=", StandardCharsets.US_ASCII);
            escape(error.detail(), out);
        }
        return out.writerIndex() - start;
    }

    /**
     * The error a status says, as the JSON to keep under {@link Rerror#META_KEY}, or {@code null} for
     * code 0 (erpc's "OK", whatever else the status holds).
     *
     * @throws ProtoException when the status has no numeric code
     */
    static @Nullable String read(ByteBuf in, int index, int length) {
        if (length == OK.length && isOk(in, index)) {
            return null;
        }
        Meta status;
        try {
            status = Meta.parse(in, index, length, 16);
        } catch (IllegalArgumentException tooManyPieces) {
            throw new ProtoException("bad status: " + tooManyPieces.getMessage());
        }
        String codeText = status.peek("code");
        int code;
        try {
            code = Integer.parseInt(codeText == null ? "" : codeText);
        } catch (NumberFormatException e) {
            throw new ProtoException("bad status: code " + (codeText == null ? "missing" : "'" + codeText + "'"));
        }
        if (code == 0) {
            return null;
        }
        String msg = status.peek("msg");
        String cause = status.peek("cause");
        String json = new Rerror(code, msg, cause).toJson();
        if (cause != null && cause.isEmpty()) {
            json = json.substring(0, json.length() - 1) + EMPTY_CAUSE;
        }
        return json;
    }

    /** Whether the six bytes at {@code index} are {@code code=0}. */
    static boolean isOk(ByteBuf in, int index) {
        for (int i = 0; i < OK.length; i++) {
            if (in.getByte(index + i) != OK[i]) {
                return false;
            }
        }
        return true;
    }

    private static void escape(String s, ByteBuf out) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c < 0x80 && UNRESERVED[c]) {
                out.writeByte(c);
            } else {
                out.writeByte('%').writeByte(HEX[c >>> 4]).writeByte(HEX[c & 0xF]);
            }
        }
    }
}
