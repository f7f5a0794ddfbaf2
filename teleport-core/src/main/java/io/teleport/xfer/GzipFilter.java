package io.teleport.xfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The gzip transfer filter, id {@code 'g'}, as Teleport v3 writes it.
 *
 * <p>Go's filter flushes its writer and never closes it, so its streams are a gzip header and deflate
 * blocks ending in a sync-flush marker, with no final block and no CRC or size trailer. This filter
 * writes exactly that shape (level 5, header {@code 1f8b08000000000000ff}) and reads it, as well as
 * complete gzip members with a trailer. {@code java.util.zip.GZIPInputStream} cannot read Go's form,
 * hence the header is parsed here and the rest inflated raw.
 */
public final class GzipFilter implements XferFilter {

    /** The id byte, {@code 'g'}. */
    public static final byte ID = 'g';

    private static final int LEVEL = 5;
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    // Deflater and Inflater hold native memory: reuse one per thread instead of one per message.
    private static final FastThreadLocal<Deflater> DEFLATERS = new FastThreadLocal<>() {
        @Override
        protected Deflater initialValue() {
            return new Deflater(LEVEL, true);
        }

        @Override
        protected void onRemoval(Deflater deflater) {
            deflater.end();
        }
    };
    private static final FastThreadLocal<Inflater> INFLATERS = new FastThreadLocal<>() {
        @Override
        protected Inflater initialValue() {
            return new Inflater(true);
        }

        @Override
        protected void onRemoval(Inflater inflater) {
            inflater.end();
        }
    };

    @Override
    public byte id() {
        return ID;
    }

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public ByteBuf pack(ByteBuf in, ByteBufAllocator alloc) {
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        deflater.setInput(in.nioBuffer());
        ByteBuf out = alloc.buffer(HEADER.length + in.readableBytes() + 64);
        try {
            out.writeBytes(HEADER);
            int written;
            do {
                out.ensureWritable(256);
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int space = target.remaining();
                written = deflater.deflate(target, Deflater.SYNC_FLUSH);
                out.writerIndex(out.writerIndex() + written);
                if (written < space) {
                    break;
                }
            } while (true);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    @Override
    public ByteBuf unpack(ByteBuf in, ByteBufAllocator alloc, int maxSize) {
        int start = skipHeader(in);
        Inflater inflater = INFLATERS.get();
        inflater.reset();
        inflater.setInput(in.nioBuffer(start, in.writerIndex() - start));
        ByteBuf out = alloc.buffer(Math.min(maxSize, Math.max(256, in.readableBytes() * 4)));
        try {
            while (!inflater.finished()) {
                if (out.writableBytes() == 0) {
                    if (out.capacity() >= maxSize) {
                        // Full at the limit: an error only if there is more to come.
                        if (inflater.inflate(new byte[1]) > 0) {
                            throw new XferException("gzip: payload expands past " + maxSize + " bytes");
                        }
                        break;
                    }
                    out.capacity(Math.min(maxSize, out.capacity() * 2));
                }
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = inflater.inflate(target);
                out.writerIndex(out.writerIndex() + n);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    // Go's stream ends here, flushed but not closed: no final block, no trailer.
                    break;
                }
            }
            return out;
        } catch (DataFormatException e) {
            out.release();
            throw new XferException("gzip: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** Validates the RFC 1952 header and returns the index where the deflate data starts. */
    private static int skipHeader(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        if (end - i < 10) {
            throw new XferException("gzip: header too short: " + (end - i) + " bytes (expected: >= 10)");
        }
        if (in.getUnsignedByte(i) != 0x1f || in.getUnsignedByte(i + 1) != 0x8b || in.getByte(i + 2) != 8) {
            throw new XferException("gzip: invalid header");
        }
        int flags = in.getUnsignedByte(i + 3);
        i += 10;
        if ((flags & FEXTRA) != 0) {
            require(in, i, 2);
            i += 2 + in.getUnsignedShortLE(i);
            require(in, i, 0);
        }
        if ((flags & FNAME) != 0) {
            i = skipZeroTerminated(in, i, end);
        }
        if ((flags & FCOMMENT) != 0) {
            i = skipZeroTerminated(in, i, end);
        }
        if ((flags & FHCRC) != 0) {
            i += 2;
        }
        require(in, i, 0);
        return i;
    }

    private static int skipZeroTerminated(ByteBuf in, int from, int end) {
        int zero = in.indexOf(from, end, (byte) 0);
        if (zero < 0) {
            throw new XferException("gzip: unterminated header field");
        }
        return zero + 1;
    }

    private static void require(ByteBuf in, int index, int bytes) {
        if (index + bytes > in.writerIndex()) {
            throw new XferException("gzip: truncated header");
        }
    }
}
