package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.GoldenFrames;
import io.teleport.xfer.XferException;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hand-built frames that erpc v6 would not write, or that break a bound, are refused with a
 * {@link ProtoException} naming the fault, and nothing leaks (the leak check runs PARANOID).
 */
class ErpcRawProtoProbeTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private final ProtoContext ctx = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 4096, 64, 64, 4,
            4096);

    /** A frame around {@code payload}: size, no filter. */
    private static byte[] frame(byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(5 + payload.length).writeByte(0).writeBytes(payload);
        return ByteBufUtil.getBytes(b);
    }

    /** A payload from its fields as text: seq, mtype, service method, status, meta, codec, body. */
    private static byte[] payload(String seq, int mtype, String sm, String status, String meta, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] s = seq.getBytes(StandardCharsets.UTF_8);
        out.write(s.length);
        out.writeBytes(s);
        out.write(mtype);
        byte[] m = sm.getBytes(StandardCharsets.UTF_8);
        out.write(m.length);
        out.writeBytes(m);
        byte[] st = status.getBytes(StandardCharsets.UTF_8);
        out.write(st.length >>> 8);
        out.write(st.length);
        out.writeBytes(st);
        byte[] md = meta.getBytes(StandardCharsets.UTF_8);
        out.write(md.length >>> 8);
        out.write(md.length);
        out.writeBytes(md);
        out.write('s');
        out.writeBytes(body.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private void assertRefused(byte[] frame, String message) {
        ByteBuf in = ALLOC.buffer().writeBytes(frame);
        try {
            assertThatThrownBy(() -> ErpcRawProto.INSTANCE.decode(in, ctx, ALLOC))
                    .isInstanceOf(ProtoException.class).hasMessageContaining(message);
        } finally {
            in.release();
        }
    }

    @Test
    void aWellFormedProbeDecodes() {
        ByteBuf in = ALLOC.buffer().writeBytes(frame(payload("5", 1, "/echo/string", "code=0", "k=v", "abc")));
        try {
            Packet p = ErpcRawProto.INSTANCE.decode(in, ctx, ALLOC);
            assertThat(p.uri()).isEqualTo("/echo/string");
            assertThat(p.seq()).isEqualTo(5);
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "seq ''{0}''")
    @CsvSource({"A, expected: 'a'", "01, expected: '1'", "+1, expected: '1'", "-0, expected: '0'",
            "zzzzzzz, not a base-36 int32", "'a b', not a base-36 int32", "'-', not a base-36 int32",
            "zik0zk, not a base-36 int32", "-zik0zl, not a base-36 int32"})
    void nonCanonicalSeqsAreRefused(String seq, String message) {
        assertRefused(frame(payload(seq, 1, "/a", "code=0", "", "")), message);
    }

    @Test
    void seqLengthsOutsideOneToSevenAreRefused() {
        byte[] empty = payload("1", 1, "/a", "code=0", "", "");
        empty[0] = 0;
        assertRefused(frame(empty), "bad seq: 0 characters");
        assertRefused(frame(payload("12345678", 1, "/a", "code=0", "", "")), "bad seq: 8 characters");
    }

    @ParameterizedTest
    @CsvSource({"0", "6", "255"})
    void unknownMessageTypesAreRefused(int mtype) {
        assertRefused(frame(payload("1", mtype, "/a", "code=0", "", "")), "unsupported message type");
    }

    @ParameterizedTest
    @CsvSource({"2", "4", "5"})
    void aServiceMethodOutsideCallAndPushIsRefused(int mtype) {
        assertRefused(frame(payload("1", mtype, "/a", "code=0", "", "")), "a service method in a message of type");
    }

    @Test
    void lengthsPastTheFrameAreRefused() {
        byte[] sm = payload("1", 1, "/a", "code=0", "", "");
        sm[3] = (byte) 200;
        assertRefused(frame(sm), "service method length 200 exceeds");
        byte[] status = payload("1", 1, "/a", "code=0", "", "");
        status[6] = 0x7f;
        assertRefused(frame(status), "status length");
        byte[] meta = payload("1", 1, "/a", "code=0", "", "");
        meta[14] = 0x10;
        assertRefused(frame(meta), "meta length 4096 exceeds");
    }

    @Test
    void boundsOfTheContextAreKept() {
        assertRefused(frame(payload("1", 1, "/" + "a".repeat(70), "code=0", "", "")), "exceeds the limit of 64");
        assertRefused(frame(payload("1", 1, "/a", "code=0", "m=" + "v".repeat(70), "")), "exceeds the limit of 64");
        assertRefused(frame(payload("1", 1, "/a", "code=0", "a&b&c&d&e", "")), "pairs");
        byte[] big = new byte[8];
        big[2] = 0x10;
        big[3] = 1;
        assertRefused(big, "exceeds limit");
        byte[] tiny = {0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertRefused(tiny, "bad frame size: 13");
    }

    @Test
    void statusesErpcDoesNotWriteAreRefused() {
        assertRefused(frame(payload("1", 2, "", "code=x", "", "")), "bad status: code 'x'");
        assertRefused(frame(payload("1", 2, "", "msg=no%20code", "", "")), "code missing");
        assertRefused(frame(payload("1", 2, "", "code=0&msg=ok", "", "")), "code 0 with more");
        assertRefused(frame(payload("1", 1, "/a", "code=500&msg=x", "", "")), "an error status in a request");
    }

    @Test
    void aTeleportV3FrameIsRefusedByItsProtocolByte() {
        assertRefused(GoldenFrames.get("V1"), "a Teleport v3 frame?");
    }

    @Test
    void moreFiltersThanTheBoundAreRefused() {
        byte[] f = frame(payload("1", 1, "/a", "code=0", "", ""));
        f[4] = ErpcRawProto.MAX_FILTERS + 1;
        assertRefused(f, "transfer filters");
        Packet p = new Packet(PacketType.PUSH, 1, "/a", null).xferPipe(new byte[ErpcRawProto.MAX_FILTERS + 1]);
        assertThatThrownBy(() -> ErpcRawProto.INSTANCE.encode(p, ctx, ALLOC)).isInstanceOf(ProtoException.class);
    }

    @Test
    void unknownFilterIdsAreRefused() {
        byte[] f = frame(payload("1", 1, "/a", "code=0", "", ""));
        byte[] withFilter = new byte[f.length + 1];
        System.arraycopy(f, 0, withFilter, 0, 5);
        withFilter[4] = 1;
        withFilter[5] = 'z';
        System.arraycopy(f, 5, withFilter, 6, f.length - 5);
        withFilter[3]++;
        ByteBuf in = ALLOC.buffer().writeBytes(withFilter);
        try {
            assertThatThrownBy(() -> ErpcRawProto.INSTANCE.decode(in, ctx, ALLOC))
                    .isInstanceOf(XferException.class).hasMessageContaining("unsupported transfer filter id");
        } finally {
            in.release();
        }
    }

    @Test
    void gzipMembersThatErpcWouldRefuseAreRefused() {
        byte[] good = ErpcGoldenFrames.get("E32").frame();
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        trailing[3] += 2;
        assertRefused(trailing, "bytes after the deflate data");
        byte[] badCrc = good.clone();
        badCrc[good.length - 8] ^= 1;
        assertRefused(badCrc, "trailer does not match");
        byte[] truncated = Arrays.copyOf(good, good.length - 8);
        truncated[3] -= 8;
        assertRefused(truncated, "gzip");
        byte[] flags = good.clone();
        flags[6 + 3] = 8;
        assertRefused(flags, "header flags");
        assertRefused(ErpcGoldenFrames.get("E34").frame(), "incomplete member");
    }

    @Test
    void aGzipBombStopsAtTheUnpackedBound() {
        Packet p = new Packet(PacketType.PUSH, 1, "/a", "x".repeat(10_000)).bodyCodec((byte) 's').xferPipe((byte) 'g');
        ProtoContext wide = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);
        byte[] frame = ErpcRawProtoGoldenTest.encode(p, wide);
        assertThat(frame.length).isLessThan(4096);
        assertRefused(frame, "expands past 4096");
    }

    @Test
    void encodingRefusesWhatDoesNotFitItsField() {
        Packet longMethod = new Packet(PacketType.PULL, 1, "/" + "m".repeat(255), null);
        ProtoContext wide = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);
        assertThatThrownBy(() -> ErpcRawProto.INSTANCE.encode(longMethod, wide, ALLOC))
                .isInstanceOf(ProtoException.class).hasMessageContaining("service method of 256 bytes");
        Packet longMeta = new Packet(PacketType.PUSH, 1, "/a", null);
        longMeta.meta().set("k", "v".repeat(70_000));
        assertThatThrownBy(() -> ErpcRawProto.INSTANCE.encode(longMeta, wide, ALLOC))
                .isInstanceOf(ProtoException.class).hasMessageContaining("meta of 70002 bytes");
        Packet big = new Packet(PacketType.PUSH, 1, "/a", "x".repeat(5000)).bodyCodec((byte) 's');
        assertThatThrownBy(() -> ErpcRawProto.INSTANCE.encode(big, ctx, ALLOC))
                .isInstanceOf(ProtoException.class).hasMessageContaining("exceeds limit");
        assertThat(HexFormat.of().formatHex(ErpcRawProtoGoldenTest.encode(
                new Packet(PacketType.PULL, 1, "/" + "m".repeat(254), null), wide), 0, 9))
                .isEqualTo("0000011300013101ff");
    }
}
