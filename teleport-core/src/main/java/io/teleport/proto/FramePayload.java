package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.message.Packet;

import java.util.Set;

/**
 * What both protocols do around their own payload format. Reading, once a whole frame is there and
 * its prefix checked: undo the transfer filters in the order the frame lists them, let the protocol
 * read the payload, release every buffer made on the way, and consume the frame whatever happened.
 * Writing, once the prefix is written: the payload, packed by the filters in reverse order, the size
 * checked against the read limit and written in front, the frame released on any failure.
 */
final class FramePayload {

    /** What a protocol mismatch error advises, whichever side noticed it. */
    static final String SAME_PROTOCOL = "both sides need the same protocol, and a server with AutoProto"
            + " (teleport.protocol: auto) accepts both, one per connection: the one its first frame spoke";
    /** The first four bytes of HTTP requests. */
    private static final Set<String> HTTP_METHODS = Set.of("GET ", "POST", "PUT ", "HEAD", "DELE", "PATC", "OPTI", "CONN", "TRAC", "PRI ");

    /**
     * When a frame's size field reads as text or as a TLS record's header, what it says: the other side
     * is no Teleport peer (an HTTP server answers a frame it cannot parse with "HTTP/1.1 400"), or
     * speaks TLS to a side that does not; empty otherwise.
     */
    static String textHint(ByteBuf in, int start) {
        // A TLS record: handshake (22) or alert (21), protocol version 3.x.
        int type = in.getUnsignedByte(start);
        if ((type == 22 || type == 21) && in.getUnsignedByte(start + 1) == 3 && in.getUnsignedByte(start + 2) <= 4) {
            return "; its first bytes are a TLS record: the other side uses TLS and this side does not";
        }
        StringBuilder text = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int b = in.getUnsignedByte(start + i);
            if (b < 0x20 || b > 0x7e) {
                return "";
            }
            text.append((char) b);
        }
        String start4 = text.toString();
        String what = start4.equals("HTTP") ? "an HTTP server, not a Teleport peer"
                : HTTP_METHODS.contains(start4) ? "an HTTP request, not a Teleport peer" : "text, not a Teleport frame";
        return "; its first bytes read \"" + start4 + "\": " + what;
    }

    private static final byte[] NO_FILTERS = new byte[0];

    /**
     * How much one frame's filters may write in all, given its payload's size: deflate cannot expand
     * data more than about 1,032 times, so gzip within gzip (which could turn 96 bytes into megabytes
     * of work on the I/O thread) is refused past what one layer could give, and never past
     * {@code maxUnpacked}, while small frames may still expand to 64 KiB.
     */
    static long unpackBound(int payloadSize, int maxUnpacked) {
        return Math.min(maxUnpacked, Math.max(64 * 1024, MAX_EXPANSION * payloadSize));
    }

    /** Deflate's largest expansion, 1,032 to 1, with room to spare. */
    static final long MAX_EXPANSION = 1100;

    /** Undoes one filter; a static method, so that passing it allocates nothing. */
    @FunctionalInterface
    interface Unpacker {
        /** A new buffer with {@code payload} unpacked by filter {@code id}, at most {@code maxSize} bytes. */
        ByteBuf unpack(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx, int maxSize);
    }

    /** Reads the packet in bytes {@code from} to {@code end} (exclusive) of a buffer it does not own. */
    @FunctionalInterface
    interface Reader {
        /** The packet. */
        Packet read(ByteBuf payload, int from, int end, ProtoContext ctx);
    }

    /** Packs with one filter; a static method, so that passing it allocates nothing. */
    @FunctionalInterface
    interface Packer {
        /** A new buffer with {@code payload} packed by filter {@code id}. */
        ByteBuf pack(byte id, ByteBuf payload, ByteBufAllocator alloc, ProtoContext ctx);
    }

    /** Writes a packet's payload in the protocol's format. */
    @FunctionalInterface
    interface Writer {
        /** Writes {@code packet}'s payload to {@code out}. */
        void write(Packet packet, ProtoContext ctx, ByteBuf out);
    }

    private FramePayload() {
    }

    /**
     * Completes {@code frame}, whose prefix (a 4-byte size to fill, then the protocol's header and the
     * filter ids) is written: the payload, filtered when the packet has filters; then the size.
     *
     * @return {@code frame}, now the caller's
     * @throws ProtoException when the frame exceeds the read limit; {@code frame} is released on every failure
     */
    static ByteBuf encode(ByteBuf frame, Packet packet, ProtoContext ctx, ByteBufAllocator alloc, Packer packer,
            Writer writer) {
        try {
            byte[] pipe = packet.xferPipe();
            if (pipe.length == 0) {
                writer.write(packet, ctx, frame);
                if (sharesBody(packet)) {
                    if (frame.isDirect()) {
                        return withSharedBody(frame, packet, ctx, alloc);
                    }
                    // A heap header (no direct buffers here) would have the transport copy the whole frame anyway.
                    ByteBuf body = packet.encodedBody();
                    frame.writeBytes(body, body.readerIndex(), body.readableBytes());
                }
            } else {
                ByteBuf payload = alloc.buffer(INITIAL_PAYLOAD);
                try {
                    writer.write(packet, ctx, payload);
                    for (int i = pipe.length - 1; i >= 0; i--) {
                        ByteBuf next = packer.pack(pipe[i], payload, alloc, ctx);
                        if (next == payload) {
                            // Released below and again as its own output: say why, not "refCnt: 0".
                            throw new io.teleport.xfer.XferException("transfer filter '" + (char) pipe[i]
                                    + "' returned its input: pack must return a new buffer the caller owns");
                        }
                        payload.release();
                        payload = next;
                    }
                    frame.writeBytes(payload);
                } finally {
                    payload.release();
                }
            }
            int size = frame.readableBytes();
            if (size > ctx.readLimit()) {
                throw new ProtoException("Size of package exceeds limit: " + size + " bytes (limit: "
                        + ctx.readLimit() + ")");
            }
            frame.setInt(0, size);
            packet.size(size);
            return frame;
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    /**
     * Writes the packet's body: its bytes marshalled already by the sender when it has them, else
     * through its codec into {@code out}.
     */
    static void writeBody(Packet packet, ProtoContext ctx, ByteBuf out) {
        ByteBuf encoded = packet.encodedBody();
        if (sharesBody(packet)) {
            // Follows the payload as a slice of its own (see withSharedBody).
            return;
        }
        if (encoded == null) {
            ctx.codecs().encode(packet.bodyCodec(), packet.body(), out);
        } else if (encoded.hasArray()) {
            // From the array: a pooled frame copies it in place, where from a buffer it makes a view per frame.
            out.writeBytes(encoded.array(), encoded.arrayOffset() + encoded.readerIndex(), encoded.readableBytes());
        } else {
            out.writeBytes(encoded, encoded.readerIndex(), encoded.readableBytes());
        }
    }

    /**
     * Whether the frame takes the packet's marshalled body as it is rather than a copy: a body in direct
     * memory, which only a broadcast makes (one buffer for the frames of all the sessions it reaches), when
     * no filter has to pass over it. The body is the last field of both built-in formats.
     */
    static boolean sharesBody(Packet packet) {
        ByteBuf encoded = packet.encodedBody();
        return encoded != null && encoded.isDirect() && packet.xferPipe().length == 0;
    }

    /**
     * The frame whose header is {@code header}: the header followed by a retained slice of the packet's
     * body, sized and checked as a whole.
     *
     * @throws ProtoException when the frame exceeds the read limit; {@code header} is released then
     */
    private static ByteBuf withSharedBody(ByteBuf header, Packet packet, ProtoContext ctx, ByteBufAllocator alloc) {
        ByteBuf body = packet.encodedBody();
        long size = (long) header.readableBytes() + body.readableBytes();
        if (size > ctx.readLimit()) {
            throw new ProtoException("Size of package exceeds limit: " + size + " bytes (limit: " + ctx.readLimit() + ")");
        }
        header.setInt(0, (int) size);
        packet.size((int) size);
        return alloc.compositeDirectBuffer(2).addComponents(true, header, body.retainedSlice());
    }

    /** The packet's transfer filter ids, refused before a frame is allocated when there are more than {@code max}. */
    static byte[] boundedPipe(Packet packet, int max) {
        byte[] pipe = packet.xferPipe();
        if (pipe.length > max) {
            throw new ProtoException("transfer filters: " + pipe.length + " (expected: <= " + max + ")");
        }
        return pipe;
    }

    private static final int INITIAL_PAYLOAD = 256;

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
                    long left = unpackBound(payloadEnd - payloadStart, ctx.maxUnpackedBytes());
                    for (byte id : pipe) {
                        int before = payload.readableBytes();
                        ByteBuf next = unpacker.unpack(id, payload, alloc, ctx,
                                (int) Math.min(ctx.maxUnpackedBytes(), before + left));
                        if (next == payload) {
                            throw new io.teleport.xfer.XferException("transfer filter '" + (char) id
                                    + "' returned its input: unpack must return a new buffer the caller owns");
                        }
                        // What the filters add counts, not what they pass on (a checksum after gzip).
                        left -= Math.max(0, next.readableBytes() - before);
                        if (left < 0 || next.readableBytes() > ctx.maxUnpackedBytes()) {
                            next.release();
                            throw new ProtoException("bad frame: its transfer filters expand " + (payloadEnd
                                    - payloadStart) + " bytes past " + unpackBound(payloadEnd - payloadStart,
                                    ctx.maxUnpackedBytes()) + " (1,100-fold, as one gzip layer at most)");
                        }
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
