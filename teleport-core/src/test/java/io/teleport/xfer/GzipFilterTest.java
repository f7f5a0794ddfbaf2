package io.teleport.xfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GzipFilterTest {

    private final GzipFilter gzip = new GzipFilter();
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    private byte[] unpack(byte[] packed, int max) {
        ByteBuf in = Unpooled.wrappedBuffer(packed);
        ByteBuf out = gzip.unpack(in, alloc, max);
        try {
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
            in.release();
        }
    }

    @Test
    void writesGosFlushedStreamWithoutTrailer() {
        ByteBuf in = Unpooled.copiedBuffer("src", StandardCharsets.UTF_8);
        ByteBuf packed = gzip.pack(in, alloc);
        try {
            byte[] bytes = ByteBufUtil.getBytes(packed);
            assertThat(ByteBufUtil.hexDump(bytes, 0, 10)).isEqualTo("1f8b08000000000000ff");
            assertThat(ByteBufUtil.hexDump(bytes, bytes.length - 4, 4)).as("sync-flush marker last").isEqualTo("0000ffff");
            assertThat(new String(unpack(bytes, 1024), StandardCharsets.UTF_8)).isEqualTo("src");
        } finally {
            packed.release();
            in.release();
        }
    }

    @Test
    void readsCompleteGzipMembersWithHeaderFields() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write("hello hello hello".getBytes(StandardCharsets.UTF_8));
        }
        byte[] full = bytes.toByteArray();
        assertThat(new String(unpack(full, 1024), StandardCharsets.UTF_8)).isEqualTo("hello hello hello");

        // The same stream with FNAME and FCOMMENT set: the header parser must skip both.
        byte[] named = new byte[full.length + 4];
        System.arraycopy(full, 0, named, 0, 10);
        named[3] = (byte) (8 | 16);
        named[10] = 'n';
        named[11] = 0;
        named[12] = 'c';
        named[13] = 0;
        System.arraycopy(full, 10, named, 14, full.length - 10);
        assertThat(new String(unpack(named, 1024), StandardCharsets.UTF_8)).isEqualTo("hello hello hello");
    }

    @Test
    void refusesBadHeadersAndBombs() {
        assertThatThrownBy(() -> unpack(new byte[] {1, 2, 3}, 100)).isInstanceOf(XferException.class);
        assertThatThrownBy(() -> unpack(new byte[] {0x1f, (byte) 0x8b, 9, 0, 0, 0, 0, 0, 0, 0, 0}, 100))
                .isInstanceOf(XferException.class);
        ByteBuf zeros = Unpooled.buffer(1 << 20).writeZero(1 << 20);
        ByteBuf packed = gzip.pack(zeros, alloc);
        try {
            byte[] small = ByteBufUtil.getBytes(packed);
            assertThat(small.length).isLessThan(4096);
            assertThatThrownBy(() -> unpack(small, 64 * 1024)).isInstanceOf(XferException.class)
                    .hasMessageContaining("expands past");
        } finally {
            packed.release();
            zeros.release();
        }
    }
}
