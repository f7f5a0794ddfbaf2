package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.xfer.GzipFilter;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A body already in direct memory (a broadcast's, one buffer for every session it reaches) goes into
 * the frame as a slice, not a copy: the same bytes on the wire as a copied body gives, the body's
 * buffer held while the frame lives and let go with it.
 */
class SharedBodyFrameTest {

    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true);
    private static final int BODY = 64 * 1024;
    private final ProtoContext ctx = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);
    private byte[] bytes;
    private ByteBuf shared;

    static List<Proto> protos() {
        return List.of(FastProto.INSTANCE, ErpcRawProto.INSTANCE);
    }

    @BeforeEach
    void body() {
        bytes = new byte[BODY];
        new Random(7).nextBytes(bytes);
        shared = ALLOC.directBuffer(BODY).writeBytes(bytes);
    }

    @AfterEach
    void release() {
        assertThat(shared.refCnt()).as("the body's own reference only").isEqualTo(1);
        shared.release();
    }

    private static Packet push(ByteBuf body) {
        return new Packet(PacketType.PUSH, 42, "/news/today", null).bodyCodec((byte) 's').encodedBody(body);
    }

    @ParameterizedTest
    @MethodSource("protos")
    void aDirectBodyIsSlicedIntoTheFrameWithTheSameBytesAsACopy(Proto proto) {
        ByteBuf copied = proto.encode(push(Unpooled.wrappedBuffer(bytes)), ctx, ALLOC);
        ByteBuf framed = proto.encode(push(shared), ctx, ALLOC);
        try {
            assertThat(framed).isInstanceOf(CompositeByteBuf.class);
            assertThat(((CompositeByteBuf) framed).component(0).capacity()).as("the header's buffer, without room for the body")
                    .isLessThan(1024);
            assertThat(shared.refCnt()).as("held by the frame").isEqualTo(2);
            assertThat(ByteBufUtil.getBytes(framed)).isEqualTo(ByteBufUtil.getBytes(copied));
            Packet decoded = proto.decode(framed.duplicate(), ctx, ALLOC);
            assertThat(decoded.bodyBytes()).isEqualTo(bytes);
            assertThat(shared.readableBytes()).as("the body's indexes untouched").isEqualTo(BODY);
        } finally {
            copied.release();
            framed.release();
        }
    }

    @ParameterizedTest
    @MethodSource("protos")
    void aBodyThroughAFilterIsCopied(Proto proto) {
        Packet packet = push(shared).xferPipe(GzipFilter.ID);
        ByteBuf framed = proto.encode(packet, ctx, ALLOC);
        try {
            assertThat(framed).isNotInstanceOf(CompositeByteBuf.class);
            assertThat(shared.refCnt()).isEqualTo(1);
            assertThat(proto.decode(framed, ctx, ALLOC).bodyBytes()).isEqualTo(bytes);
        } finally {
            framed.release();
        }
    }

    @ParameterizedTest
    @MethodSource("protos")
    void aFrameOverTheReadLimitIsRefusedAndHoldsNothing(Proto proto) {
        ProtoContext small = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), BODY);
        assertThatThrownBy(() -> proto.encode(push(shared), small, ALLOC)).isInstanceOf(ProtoException.class)
                .hasMessageContaining("exceeds limit");
        assertThat(shared.refCnt()).isEqualTo(1);
    }
}
