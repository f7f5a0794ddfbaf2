package io.teleport.benchmark.soak;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.teleport.codec.Codecs;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.proto.FastProto;
import io.teleport.proto.ProtoContext;
import io.teleport.xfer.GzipFilter;
import io.teleport.xfer.XferFilters;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Frames of the fast protocol for the hostile peers. Well-formed ones come from {@link FastProto}
 * itself, so that they are what a real peer sends; malformed or oversized ones are written here by
 * hand, because the encoder (rightly) refuses to write them.
 */
final class Frames {

    /** The gzip header Go's filter writes: no name, no time, OS 255. */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final ProtoContext CONTEXT =
            new ProtoContext(Codecs.defaults(), XferFilters.defaults(), PeerConfig.DEFAULT_READ_LIMIT);

    private Frames() {
    }

    /** A well-formed PULL with no body, through the real encoder. */
    static byte[] pull(long seq, String uri) {
        return encode(new Packet(PacketType.PULL, seq, uri, null));
    }

    /** A well-formed PULL with a body in codec {@code codec}, through the real encoder. */
    static byte[] pull(long seq, String uri, byte codec, Object body) {
        return encode(new Packet(PacketType.PULL, seq, uri, body).bodyCodec(codec));
    }

    private static byte[] encode(Packet packet) {
        ByteBuf frame = FastProto.INSTANCE.encode(packet, CONTEXT, UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /**
     * A frame written field by field, with no checks: any URI bytes (CR/LF included), meta of any
     * length.
     */
    static byte[] raw(long seq, PacketType type, byte[] uri, byte[] meta, byte codec, byte[] body) {
        byte[] payload = payload(seq, type, uri, meta, codec, body);
        ByteBuffer frame = ByteBuffer.allocate(6 + payload.length);
        frame.putInt(6 + payload.length).put(FastProto.ID).put((byte) 0).put(payload);
        return frame.array();
    }

    private static byte[] payload(long seq, PacketType type, byte[] uri, byte[] meta, byte codec, byte[] body) {
        ByteBuffer p = ByteBuffer.allocate(8 + 1 + 4 + uri.length + 4 + meta.length + 1 + body.length);
        p.putLong(seq).put((byte) type.code()).putInt(uri.length).put(uri).putInt(meta.length).put(meta)
                .put(codec).put(body);
        return p.array();
    }

    /** The first {@code sent} bytes of a frame whose size field says {@code declared}. */
    static byte[] truncated(int declared, int sent) {
        byte[] frame = new byte[sent];
        ByteBuffer.wrap(frame).putInt(declared).put(FastProto.ID).put((byte) 0).putLong(1)
                .put((byte) PacketType.PULL.code()).putInt(declared - 32);
        // The rest stands for a URI that never ends: printable, so only the length is hostile.
        Arrays.fill(frame, 19, sent, (byte) 'u');
        return frame;
    }

    /** {@code a&a&a&...} of {@code bytes} bytes: one meta entry per two bytes. */
    static byte[] ampersandMeta(int bytes) {
        byte[] meta = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            meta[i] = (byte) ((i & 1) == 0 ? 'a' : '&');
        }
        return meta;
    }

    /**
     * A PULL to {@code uri} through the gzip filter ({@code 'g'}), written as Go writes it (header,
     * raw deflate, sync flush, no trailer), whose body of zeros inflates to {@code inflated} bytes.
     * The zeros are fed to the deflater a chunk at a time: the frame is small, the body never
     * exists here.
     */
    static byte[] gzipBomb(long seq, String uri, int inflated) {
        byte[] head = payload(seq, PacketType.PULL, uri.getBytes(StandardCharsets.UTF_8), new byte[0], StringCodec.ID,
                new byte[0]);
        Deflater deflater = new Deflater(5, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream(inflated / 512);
        byte[] buffer = new byte[64 * 1024];
        try {
            out.write(GZIP_HEADER, 0, GZIP_HEADER.length);
            deflater.setInput(head);
            drain(deflater, buffer, out, Deflater.NO_FLUSH);
            byte[] zeros = new byte[1024 * 1024];
            for (int left = inflated; left > 0; left -= zeros.length) {
                deflater.setInput(zeros, 0, Math.min(left, zeros.length));
                drain(deflater, buffer, out, Deflater.NO_FLUSH);
            }
            int n;
            do {
                n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
                out.write(buffer, 0, n);
            } while (n == buffer.length);
        } finally {
            deflater.end();
        }
        byte[] filtered = out.toByteArray();
        ByteBuffer frame = ByteBuffer.allocate(7 + filtered.length);
        frame.putInt(7 + filtered.length).put(FastProto.ID).put((byte) 1).put(GzipFilter.ID).put(filtered);
        return frame.array();
    }

    private static void drain(Deflater deflater, byte[] buffer, ByteArrayOutputStream out, int flush) {
        while (!deflater.needsInput()) {
            int n = deflater.deflate(buffer, 0, buffer.length, flush);
            out.write(buffer, 0, n);
        }
    }
}
