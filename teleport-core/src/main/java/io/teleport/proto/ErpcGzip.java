package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * erpc v6's gzip transfer filter ({@code 'g'}): one <em>complete</em> gzip member per payload.
 *
 * <p>Unlike Teleport v3, whose writer is flushed and never closed (see {@code io.teleport.xfer.GzipFilter}),
 * erpc v6 closes its writer, so a member ends with a final deflate block and the CRC32/ISIZE trailer,
 * and its reader refuses anything else: data that stops at a sync-flush marker fails with
 * {@code unexpected EOF} and the connection is closed (vector E34). This class writes and demands the
 * same: a member without its final block or trailer, a wrong CRC or size, or bytes after the member are
 * refused, so a v3-style payload never passes on this protocol in either direction.
 */
final class ErpcGzip {

    /** The filter id. */
    static final byte ID = 'g';

    private static final int LEVEL = 5;
    // ID1 ID2 CM=8, FLG=0, MTIME=0, XFL=0, OS=255: what Go's gzip writer puts first.
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int TRAILER = 8;

    private ErpcGzip() {
    }

    /** The readable bytes of {@code in} as one complete gzip member; {@code in} is not released. */
    static ByteBuf pack(ByteBuf in, ByteBufAllocator alloc) {
        Deflater deflater = new Deflater(LEVEL, true);
        ByteBuf out = alloc.buffer(HEADER.length + in.readableBytes() + 64);
        try {
            ByteBuffer input = in.nioBuffer();
            CRC32 crc = new CRC32();
            crc.update(input.duplicate());
            deflater.setInput(input);
            deflater.finish();
            out.writeBytes(HEADER);
            while (!deflater.finished()) {
                out.ensureWritable(256);
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                out.writerIndex(out.writerIndex() + deflater.deflate(target));
            }
            out.writeIntLE((int) crc.getValue());
            out.writeIntLE(in.readableBytes());
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            deflater.end();
        }
    }

    /**
     * Inflates the gzip member that fills the readable bytes of {@code in}, into at most {@code maxSize}
     * bytes; {@code in} is not released.
     *
     * @throws ProtoException when the member is malformed, incomplete, followed by other bytes, fails its
     *     CRC or size check, or expands past {@code maxSize}
     */
    static ByteBuf unpack(ByteBuf in, ByteBufAllocator alloc, int maxSize) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end - start < HEADER.length + TRAILER) {
            throw new ProtoException("gzip: member of " + (end - start) + " bytes is too short");
        }
        if (in.getUnsignedByte(start) != 0x1f || in.getUnsignedByte(start + 1) != 0x8b || in.getByte(start + 2) != 8) {
            throw new ProtoException("gzip: invalid header");
        }
        if (in.getByte(start + 3) != 0) {
            // Go's writer sets no header flag: no name, comment, extra field or header CRC to skip.
            throw new ProtoException("gzip: header flags 0x" + Integer.toHexString(in.getUnsignedByte(start + 3))
                    + " (expected: 0)");
        }
        Inflater inflater = new Inflater(true);
        ByteBuf out = alloc.buffer(Math.min(maxSize, Math.max(256, (end - start) * 4)));
        try {
            inflater.setInput(in.nioBuffer(start + HEADER.length, end - start - HEADER.length));
            CRC32 crc = new CRC32();
            while (!inflater.finished()) {
                if (out.writableBytes() == 0) {
                    if (out.capacity() >= maxSize) {
                        // Full at the limit: an error only if the member holds more data, not just its end.
                        if (inflater.inflate(new byte[1]) > 0) {
                            throw new ProtoException("gzip: payload expands past " + maxSize + " bytes");
                        }
                        if (!inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                            throw incomplete();
                        }
                        continue;
                    }
                    out.capacity(Math.min(maxSize, out.capacity() * 2));
                }
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = inflater.inflate(target);
                out.writerIndex(out.writerIndex() + n);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw incomplete();
                }
            }
            crc.update(out.nioBuffer());
            int left = inflater.getRemaining();
            if (left != TRAILER) {
                throw new ProtoException("gzip: " + left + " bytes after the deflate data (expected: the "
                        + TRAILER + "-byte trailer alone)");
            }
            int trailer = end - TRAILER;
            if (in.getIntLE(trailer) != (int) crc.getValue() || in.getIntLE(trailer + 4) != out.readableBytes()) {
                throw new ProtoException("gzip: trailer does not match the data (CRC32 or size)");
            }
            return out;
        } catch (DataFormatException e) {
            out.release();
            throw new ProtoException("gzip: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        } finally {
            inflater.end();
        }
    }

    private static ProtoException incomplete() {
        return new ProtoException("gzip: incomplete member (no final block): erpc v6 needs the writer closed,"
                + " not only flushed");
    }
}
