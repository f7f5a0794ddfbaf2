package io.teleport.message;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One message: the unit a {@code Proto} puts on and takes off the wire.
 *
 * <p>An outgoing packet carries its body as a Java value in {@link #body()}, which the codec named by
 * {@link #bodyCodec()} marshals when the frame is written. An incoming packet carries the body as
 * received in {@link #bodyBytes()}; it is unmarshalled later, on the thread that knows the target
 * type. The transfer-filter pipe lists filter ids outer-most first, as on the wire.
 *
 * <p>Not thread-safe; a packet is handed from one thread to the next, never shared.
 */
public final class Packet {

    /** The codec id of an empty body: Teleport's nil codec. */
    public static final byte NO_CODEC = 0;

    private static final byte[] NO_BYTES = new byte[0];

    private long seq;
    private PacketType type;
    private String uri = "";
    private @Nullable Meta meta;
    private byte bodyCodec = NO_CODEC;
    private @Nullable Object body;
    private byte[] bodyBytes = NO_BYTES;
    private byte[] xferPipe = NO_BYTES;
    private @Nullable ByteBuf encodedBody;
    private int size;

    /** Creates an empty packet of the given type. */
    public Packet(PacketType type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Creates an outgoing packet. */
    public Packet(PacketType type, long seq, String uri, @Nullable Object body) {
        this(type);
        this.seq = seq;
        this.uri = Objects.requireNonNull(uri, "uri");
        this.body = body;
    }

    /** The sequence number: the sender's counter for PULL and PUSH, the pull's for a REPLY. */
    public long seq() {
        return seq;
    }

    /** Sets the sequence number. */
    public Packet seq(long seq) {
        this.seq = seq;
        return this;
    }

    /** The message kind. */
    public PacketType type() {
        return type;
    }

    /** Sets the message kind. */
    public Packet type(PacketType type) {
        this.type = Objects.requireNonNull(type, "type");
        return this;
    }

    /** The full URI, query included; a REPLY echoes its PULL's. */
    public String uri() {
        return uri;
    }

    /** Sets the URI. */
    public Packet uri(String uri) {
        this.uri = Objects.requireNonNull(uri, "uri");
        return this;
    }

    /** The metadata, created on first use. */
    public Meta meta() {
        if (meta == null) {
            meta = new Meta();
        }
        return meta;
    }

    /** Whether the packet has at least one metadata pair, without creating the {@link Meta}. */
    public boolean hasMeta() {
        return meta != null && !meta.isEmpty();
    }

    /** Replaces the metadata. */
    public Packet meta(Meta meta) {
        this.meta = meta;
        return this;
    }

    /** The id byte of the body codec ({@link #NO_CODEC} for none). */
    public byte bodyCodec() {
        return bodyCodec;
    }

    /** Sets the id byte of the body codec. */
    public Packet bodyCodec(byte bodyCodec) {
        this.bodyCodec = bodyCodec;
        return this;
    }

    /** The body value to marshal (outgoing packets); {@code null} for an empty body. */
    public @Nullable Object body() {
        return body;
    }

    /** Sets the body value to marshal. */
    public Packet body(@Nullable Object body) {
        this.body = body;
        return this;
    }

    /**
     * The body already marshalled by its codec on the sending thread, or {@code null}: a protocol
     * writes these bytes rather than marshal {@link #body()} again, so that codecs never run on an
     * I/O thread. {@link #body()} keeps the value, for the hooks that see the packet after it is written.
     *
     * <p>The buffer belongs to whoever prepared the packet, who releases it once the frame is written:
     * read its readable bytes without moving its indexes, and do not release it. A frame may hold a
     * retained slice of it instead of a copy, as the built-in protocols' frames do of a body in direct
     * memory (a broadcast's, one buffer for all the sessions it reaches).
     */
    public @Nullable ByteBuf encodedBody() {
        return encodedBody;
    }

    /** Sets the body as already marshalled; see {@link #encodedBody()}. */
    public Packet encodedBody(@Nullable ByteBuf bytes) {
        this.encodedBody = bytes;
        return this;
    }

    /**
     * The body bytes as received (incoming packets); empty, never {@code null}. Read them, do not
     * write to them: a decoded body may share them (Protobuf bytes fields are views of this array).
     */
    public byte[] bodyBytes() {
        return bodyBytes;
    }

    /** Sets the body bytes as received. */
    public Packet bodyBytes(byte @Nullable [] bodyBytes) {
        this.bodyBytes = bodyBytes == null ? NO_BYTES : bodyBytes;
        return this;
    }

    /** The transfer-filter ids, outer-most first; empty, never {@code null}. Do not modify. */
    public byte[] xferPipe() {
        return xferPipe;
    }

    /** Sets the transfer-filter ids, outer-most first. */
    public Packet xferPipe(byte... ids) {
        if (ids.length > 255) {
            throw new IllegalArgumentException("transfer filters: " + ids.length + " (expected: <= 255)");
        }
        this.xferPipe = ids.length == 0 ? NO_BYTES : ids.clone();
        return this;
    }

    /** Appends transfer-filter ids after those already present. */
    public Packet appendXfer(byte... ids) {
        if (ids.length == 0) {
            return this;
        }
        byte[] joined = Arrays.copyOf(xferPipe, xferPipe.length + ids.length);
        System.arraycopy(ids, 0, joined, xferPipe.length, ids.length);
        return xferPipe(joined);
    }

    /** The size of the whole frame in bytes, length prefix included; 0 until written or read. */
    public int size() {
        return size;
    }

    /** Records the frame size; set by the protocol. */
    public Packet size(int size) {
        this.size = size;
        return this;
    }

    /** A JSON-like dump in the shape of Teleport's {@code Packet.String()}, for logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\n  \"seq\": ").append(Long.toUnsignedString(seq))
                .append(",\n  \"ptype\": ").append(type.code())
                .append(",\n  \"uri\": \"").append(uri)
                .append("\",\n  \"meta\": \"").append(meta == null ? "" : meta.toString())
                .append("\",\n  \"body_codec\": ").append(bodyCodec & 0xFF)
                .append(",\n  \"body\": ");
        if (body != null) {
            sb.append(body);
        } else if (bodyBytes.length > 0) {
            sb.append(new String(bodyBytes, StandardCharsets.UTF_8));
        } else {
            sb.append("null");
        }
        sb.append(",\n  \"xfer_pipe\": [");
        for (int i = 0; i < xferPipe.length; i++) {
            sb.append(i == 0 ? "" : ",").append(xferPipe[i] & 0xFF);
        }
        return sb.append("],\n  \"size\": ").append(size).append("\n}").toString();
    }
}
