package io.teleport.proto;

import bench.proto.BenchmarkMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.codec.Codec;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.ErpcGoldenFrames.Vector;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every frame captured from Go erpc v6.3.5 decodes to the fields the capture documents and encodes back
 * to the same bytes; the one negative vector (E34, Teleport v3's flushed gzip) is refused.
 */
class ErpcRawProtoGoldenTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final List<String> GZIP = List.of("E3", "E4", "E32", "E33");
    private final ProtoContext ctx = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);

    static Stream<String> decodable() {
        return ErpcGoldenFrames.all().keySet().stream().filter(id -> !id.equals("E34"));
    }

    static Stream<String> plain() {
        return decodable().filter(id -> !GZIP.contains(id));
    }

    static Packet decode(byte[] frame, ProtoContext context) {
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        try {
            Packet packet = ErpcRawProto.INSTANCE.decode(in, context, ALLOC);
            assertThat(packet).isNotNull();
            assertThat(in.readableBytes()).as("the whole frame is consumed").isZero();
            assertThat(packet.size()).isEqualTo(frame.length);
            return packet;
        } finally {
            in.release();
        }
    }

    static byte[] encode(Packet packet, ProtoContext context) {
        ByteBuf out = ErpcRawProto.INSTANCE.encode(packet, context, ALLOC);
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    /** Re-encodes a decoded packet with its body bytes written as they came, through {@code pipe}. */
    private byte[] reencodeRaw(Packet decoded, byte... pipe) {
        Codecs raw = Codecs.empty();
        for (byte id : new byte[] {'j', 'p', 's'}) {
            raw.register(new RawCodec(id));
        }
        Packet copy = new Packet(decoded.type()).seq(decoded.seq()).uri(decoded.uri())
                .bodyCodec(decoded.bodyCodec()).xferPipe(pipe);
        if (decoded.hasMeta()) {
            copy.meta(decoded.meta());
        }
        if (decoded.bodyBytes().length > 0) {
            copy.body(decoded.bodyBytes());
        }
        return encode(copy, new ProtoContext(raw, XferFilters.defaults(), 1 << 20));
    }

    @ParameterizedTest
    @MethodSource("decodable")
    void decodesToTheDocumentedFields(String id) {
        Vector v = ErpcGoldenFrames.get(id);
        Packet p = decode(v.frame(), ctx);
        PacketType type = switch (v.mtype()) {
            case 1, 4 -> PacketType.PULL;
            case 3 -> PacketType.PUSH;
            default -> PacketType.REPLY;
        };
        assertThat(p.type()).isEqualTo(type);
        assertThat(p.seq()).isEqualTo(Long.parseLong(v.seqText(), 36));
        String uri = v.mtype() >= 4 ? ErpcRawProto.AUTH_URI : v.serviceMethod();
        assertThat(p.uri()).isEqualTo(uri);
        assertThat(new String(p.xferPipe(), StandardCharsets.US_ASCII)).isEqualTo(v.filters());
        assertThat(p.bodyCodec()).isEqualTo(v.codec());
        String error = p.hasMeta() ? p.meta().peek(Rerror.META_KEY) : null;
        ByteBuf status = Unpooled.buffer();
        try {
            ErpcStatus.write(error, status);
            assertThat(status.toString(StandardCharsets.UTF_8)).isEqualTo(v.status());
        } finally {
            status.release();
        }
        String meta = p.hasMeta() ? p.meta().copy().delete(Rerror.META_KEY).toString() : "";
        assertThat(meta).isEqualTo(v.meta());
        assertThat(p.bodyBytes()).hasSize(v.bodyLength());
        if (v.bodyText() != null) {
            assertThat(new String(p.bodyBytes(), StandardCharsets.UTF_8)).isEqualTo(v.bodyText());
        }
    }

    @ParameterizedTest
    @MethodSource("plain")
    void plainFramesReencodeByteForByte(String id) {
        byte[] frame = ErpcGoldenFrames.get(id).frame();
        assertThat(reencodeRaw(decode(frame, ctx))).isEqualTo(frame);
    }

    @ParameterizedTest
    @MethodSource("io.teleport.proto.ErpcRawProtoGoldenTest#gzipIds")
    void gzipFramesDecodeAndJavaWritesACompleteMemberOfTheSamePayload(String id) {
        byte[] frame = ErpcGoldenFrames.get(id).frame();
        Packet p = decode(frame, ctx);
        // Go's deflate output is not Java's bit for bit: the payload inside is what must be identical.
        byte[] goPayload = gunzip(Arrays.copyOfRange(frame, 6, frame.length));
        byte[] unfiltered = reencodeRaw(p);
        assertThat(Arrays.copyOfRange(unfiltered, 5, unfiltered.length)).isEqualTo(goPayload);

        byte[] javaFrame = reencodeRaw(p, (byte) 'g');
        assertThat(gunzip(Arrays.copyOfRange(javaFrame, 6, javaFrame.length))).isEqualTo(goPayload);
        // A complete member: the trailer holds the payload's size, as erpc's reader demands.
        int isize = intLE(javaFrame, javaFrame.length - 4);
        assertThat(isize).isEqualTo(goPayload.length);
        assertThat(reencodeRaw(decode(javaFrame, ctx), (byte) 'g')).isEqualTo(javaFrame);
    }

    static Stream<String> gzipIds() {
        return GZIP.stream();
    }

    private static int intLE(byte[] bytes, int at) {
        return (bytes[at] & 0xFF) | (bytes[at + 1] & 0xFF) << 8 | (bytes[at + 2] & 0xFF) << 16 | bytes[at + 3] << 24;
    }

    private static byte[] gunzip(byte[] member) {
        ByteBuf in = Unpooled.wrappedBuffer(member);
        ByteBuf out = ErpcGzip.unpack(in, ALLOC, 1 << 20);
        try {
            return io.netty.buffer.ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void aPeerWithoutTheGzipFilterRefusesGzipFramesInsteadOfInflatingThem() {
        byte[] frame = ErpcGoldenFrames.get(GZIP.iterator().next()).frame();
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        try {
            assertThatThrownBy(() -> ErpcRawProto.INSTANCE.decode(in,
                    new ProtoContext(Codecs.defaults(), XferFilters.empty(), 1 << 20), ALLOC))
                    .hasMessageContaining("unsupported transfer filter id: " + ('g' & 0xFF));
        } finally {
            in.release();
        }
    }

    @Test
    void e34TeleportV3FlushedGzipIsRefused() {
        byte[] frame = ErpcGoldenFrames.get("E34").frame();
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        try {
            assertThatThrownBy(() -> ErpcRawProto.INSTANCE.decode(in, ctx, ALLOC))
                    .isInstanceOf(ProtoException.class).hasMessageContaining("incomplete member");
        } finally {
            in.release();
        }
    }

    @Test
    void e1BuiltFromJavaValues() {
        // Go writes a struct's fields in declaration order, as Jackson writes a record's components.
        Packet call = new Packet(PacketType.PULL, 1, "/echo/json", new Person("erpc", 42, List.of(1, 2, 3)))
                .bodyCodec((byte) 'j');
        assertThat(encode(call, ctx)).isEqualTo(ErpcGoldenFrames.get("E1").frame());
    }

    @Test
    void e8ProtobufReplyBuiltFromTheRequest() {
        Packet call = decode(ErpcGoldenFrames.get("E7").frame(), ctx);
        BenchmarkMessage request = (BenchmarkMessage) ctx.codecs().decode(call.bodyCodec(), call.bodyBytes(),
                BenchmarkMessage.class);
        BenchmarkMessage reply = request.toBuilder().setField1("OK").setField2(100).build();
        // The reply's URI is the call's: erpc writes none in a REPLY, so it is dropped on the wire.
        Packet built = new Packet(PacketType.REPLY, call.seq(), call.uri(), reply).bodyCodec((byte) 'p');
        assertThat(encode(built, ctx)).isEqualTo(ErpcGoldenFrames.get("E8").frame());
    }

    @Test
    void statusesMapToRerrors() {
        assertThat(rerror("E14")).isEqualTo(Rerror.of(404, "Not Found"));
        assertThat(rerror("E16")).isEqualTo(new Rerror(1001, "custom failure",
                "cause with \"quotes\", 100% & unicode 中文"));
        assertThat(rerror("E23")).isEqualTo(Rerror.of(1002, "no cause"));
        assertThat(rerror("E25").code()).isEqualTo(400);
        assertThat(rerror("E40")).isEqualTo(new Rerror(403, "auth fail", "wrong auth info"));
        assertThat(decode(ErpcGoldenFrames.get("E2").frame(), ctx).hasMeta()).isFalse();
    }

    private Rerror rerror(String id) {
        return Rerror.fromMeta(decode(ErpcGoldenFrames.get(id).frame(), ctx).meta());
    }

    @Test
    void errorRepliesBuiltFromRerrors() {
        // A Rerror thrown by a Java handler: codec 0 and no body, whatever the packet held.
        Packet failed = new Packet(PacketType.REPLY, 8, "/echo/fail", "ignored").bodyCodec((byte) 'j');
        new Rerror(1001, "custom failure", "cause with \"quotes\", 100% & unicode 中文").writeTo(failed.meta());
        assertThat(encode(failed, ctx)).isEqualTo(ErpcGoldenFrames.get("E16").frame());

        Packet noCause = new Packet(PacketType.REPLY, 11, "", null);
        Rerror.of(1002, "no cause").writeTo(noCause.meta());
        assertThat(encode(noCause, ctx)).isEqualTo(ErpcGoldenFrames.get("E23").frame());

        // An AUTH_REPLY refusal keeps its codec, as erpc's auth plugin writes it.
        Packet refused = new Packet(PacketType.REPLY, 1, ErpcRawProto.AUTH_URI, null).bodyCodec((byte) 's');
        new Rerror(403, "auth fail", "wrong auth info").writeTo(refused.meta());
        assertThat(encode(refused, ctx)).isEqualTo(ErpcGoldenFrames.get("E40").frame());
    }

    @Test
    void authCallIsAPullOfTheAuthUri() {
        Packet auth = new Packet(PacketType.PULL, 1, ErpcRawProto.AUTH_URI, "client-auth-info-12345")
                .bodyCodec((byte) 's');
        assertThat(encode(auth, ctx)).isEqualTo(ErpcGoldenFrames.get("E35").frame());
        Packet accepted = new Packet(PacketType.REPLY, 1, ErpcRawProto.AUTH_URI, "pass").bodyCodec((byte) 's');
        assertThat(encode(accepted, ctx)).isEqualTo(ErpcGoldenFrames.get("E36").frame());
    }

    @ParameterizedTest
    @ValueSource(strings = {"E20", "E22", "E24", "E26", "E27"})
    void base36SeqsRoundTrip(String id) {
        Vector v = ErpcGoldenFrames.get(id);
        Packet p = decode(v.frame(), ctx);
        assertThat(Long.toString(p.seq(), 36)).isEqualTo(v.seqText());
        assertThat(reencodeRaw(p)).isEqualTo(v.frame());
    }

    @Test
    void seqsCountFromOneAndWrapAsGoInt32() {
        assertThat(ErpcRawProto.INSTANCE.seq(0)).isEqualTo(1);
        assertThat(ErpcRawProto.INSTANCE.seq(35)).isEqualTo(36);
        assertThat(ErpcRawReader.parseSeq("10")).isEqualTo(36);
        // Go's int32 counter after MaxInt32 is negative, written with a sign: the same 32 bits either way.
        long wrapped = ErpcRawProto.INSTANCE.seq(Integer.MAX_VALUE);
        assertThat(wrapped).isEqualTo(1L << 31);
        assertThat(ErpcRawReader.parseSeq("-zik0zk")).isEqualTo(wrapped);
        Packet push = new Packet(PacketType.PUSH, wrapped, "/p", null);
        Packet back = decode(encode(push, ctx), ctx);
        assertThat(back.seq()).isEqualTo(wrapped);
        assertThat(ErpcRawProto.INSTANCE.seq(0xFFFF_FFFFL)).isZero();
        // The byte parser of the read path agrees with Go's FormatInt across the int32 range.
        for (long v = Integer.MIN_VALUE; v <= Integer.MAX_VALUE; v += 99_991L * 36 + 7) {
            byte[] text = Integer.toString((int) v, 36).getBytes(StandardCharsets.US_ASCII);
            assertThat(ErpcRawReader.parseSeq(Unpooled.wrappedBuffer(text), 0, text.length))
                    .isEqualTo(Integer.toUnsignedLong((int) v));
        }
    }

    /** erpc6-client's {@code Person}. */
    record Person(String name, int n, List<Integer> list) {
    }

    /** Writes byte[] bodies as they are, whatever the id, to re-encode captured bodies exactly. */
    private static final class RawCodec implements Codec {
        private final byte id;

        RawCodec(byte id) {
            this.id = id;
        }

        @Override
        public byte id() {
            return id;
        }

        @Override
        public String name() {
            return "raw-" + (char) id;
        }

        @Override
        public void encode(Object body, ByteBuf out) {
            out.writeBytes((byte[]) body);
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            return bytes;
        }
    }
}
