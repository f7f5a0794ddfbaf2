package io.teleport.proto;

import bench.proto.BenchmarkMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.codec.Codec;
import io.teleport.codec.Codecs;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.testing.GoldenFrames;
import io.teleport.testproto.PbTest;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every frame captured from Go Teleport v3 decodes, and encodes back to the same bytes. */
class FastProtoGoldenTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private final ProtoContext ctx = new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 20);

    private Packet decode(byte[] frame) {
        ByteBuf in = Unpooled.wrappedBuffer(frame);
        try {
            Packet packet = FastProto.INSTANCE.decode(in, ctx, ALLOC);
            assertThat(packet).isNotNull();
            assertThat(in.readableBytes()).as("the whole frame is consumed").isZero();
            assertThat(packet.size()).isEqualTo(frame.length);
            return packet;
        } finally {
            in.release();
        }
    }

    private byte[] encode(Packet packet, ProtoContext context) {
        ByteBuf out = FastProto.INSTANCE.encode(packet, context, ALLOC);
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    /** Re-encodes a decoded packet with its body bytes written as they came. */
    private byte[] reencodeRaw(Packet decoded) {
        Codecs raw = Codecs.empty();
        for (byte id : new byte[] {'j', 'p', 's'}) {
            raw.register(new RawCodec(id));
        }
        Packet copy = new Packet(decoded.type()).seq(decoded.seq()).uri(decoded.uri())
                .bodyCodec(decoded.bodyCodec()).xferPipe(decoded.xferPipe());
        if (decoded.hasMeta()) {
            copy.meta(decoded.meta());
        }
        if (decoded.bodyBytes().length > 0) {
            copy.body(decoded.bodyBytes());
        }
        return encode(copy, new ProtoContext(raw, XferFilters.defaults(), 1 << 20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"V1", "V2", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "V12", "V13"})
    void plainFramesReencodeByteForByte(String name) {
        byte[] frame = GoldenFrames.get(name);
        assertThat(reencodeRaw(decode(frame))).isEqualTo(frame);
    }

    @Test
    void v1PullWithJsonBodyAndMeta() {
        Packet p = decode(GoldenFrames.get("V1"));
        assertThat(p.type()).isEqualTo(PacketType.PULL);
        assertThat(p.seq()).isZero();
        assertThat(p.uri()).isEqualTo("/echo/json?x=1");
        assertThat(p.meta().toString()).isEqualTo("k1=v1&k2=v2");
        assertThat(p.bodyCodec()).isEqualTo((byte) 'j');
        assertThat(p.xferPipe()).isEmpty();

        // Built from Java values, through the JSON codec, it is the same frame.
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "teleport");
        body.put("n", 42);
        body.put("list", List.of(1, 2, 3));
        Packet built = new Packet(PacketType.PULL, 0, "/echo/json?x=1", body).bodyCodec((byte) 'j');
        built.meta().set("k1", "v1").add("k2", "v2");
        assertThat(encode(built, ctx)).isEqualTo(GoldenFrames.get("V1"));
    }

    @Test
    void v2ReplyEscapesAmpersandAsGoDoes() {
        Packet p = decode(GoldenFrames.get("V2"));
        assertThat(p.type()).isEqualTo(PacketType.REPLY);
        assertThat(p.meta().peek("X-Echo")).isEqualTo("1");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) ctx.codecs().decode(p.bodyCodec(), p.bodyBytes(), Map.class);
        assertThat(body).containsEntry("meta", "k1=v1&k2=v2").containsEntry("query", "x=1");

        Packet built = new Packet(PacketType.REPLY, 0, "/echo/json?x=1", new TreeMap<>(body)).bodyCodec((byte) 'j');
        built.meta().set("X-Echo", "1");
        assertThat(encode(built, ctx)).isEqualTo(GoldenFrames.get("V2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"V3", "V4"})
    void goGzipFramesDecodeAndJavaGzipRoundTrips(String name) {
        Packet p = decode(GoldenFrames.get(name));
        assertThat(p.xferPipe()).containsExactly((byte) 'g');
        assertThat(p.seq()).isEqualTo(1);
        assertThat(p.uri()).isEqualTo("/echo/json");
        String body = new String(p.bodyBytes(), StandardCharsets.UTF_8);
        assertThat(body).contains("\"text\":\"gzip gzip gzip gzip gzip gzip gzip gzip\"");

        // Java's gzip output is not Go's bit for bit, but decodes by the same rules to the same packet.
        Packet again = decode(reencodeRaw(p));
        assertThat(again.xferPipe()).containsExactly((byte) 'g');
        assertThat(again.uri()).isEqualTo(p.uri());
        assertThat(again.bodyBytes()).isEqualTo(p.bodyBytes());
        assertThat(again.hasMeta()).isEqualTo(p.hasMeta());
        if (p.hasMeta()) {
            assertThat(again.meta()).isEqualTo(p.meta());
        }
    }

    @Test
    void v5AndV6ProtobufBodies() {
        Packet pull = decode(GoldenFrames.get("V5"));
        assertThat(pull.bodyCodec()).isEqualTo((byte) 'p');
        PbTest request = (PbTest) ctx.codecs().decode(pull.bodyCodec(), pull.bodyBytes(), PbTest.class);
        assertThat(request.getA()).isEqualTo(10);
        assertThat(request.getB()).isEqualTo(2);

        Packet built = new Packet(PacketType.REPLY, 2, "/echo/pb", PbTest.newBuilder().setA(12).setB(8).build())
                .bodyCodec((byte) 'p');
        assertThat(encode(built, ctx)).isEqualTo(GoldenFrames.get("V6"));
    }

    @Test
    void v10NotFoundReplyCarriesRerrorAndNoBody() {
        Packet p = decode(GoldenFrames.get("V10"));
        assertThat(p.bodyCodec()).isEqualTo(Packet.NO_CODEC);
        assertThat(p.bodyBytes()).isEmpty();
        assertThat(Rerror.fromMeta(p.meta())).isEqualTo(Rerror.of(404, "Not Found"));

        Packet built = new Packet(PacketType.REPLY, 4, "/not/exist?y=2", null);
        Rerror.of(404, "Not Found").writeTo(built.meta());
        assertThat(encode(built, ctx)).isEqualTo(GoldenFrames.get("V10"));
    }

    @Test
    void v12AndV13BenchmarkMessages() {
        Packet pull = decode(GoldenFrames.get("V12"));
        BenchmarkMessage request = (BenchmarkMessage) ctx.codecs().decode(pull.bodyCodec(), pull.bodyBytes(),
                BenchmarkMessage.class);
        assertThat(request.getSerializedSize()).isEqualTo(581);
        assertThat(request.getField1()).isEqualTo("许多往事在眼前一幕一幕，变的那麼模糊");

        BenchmarkMessage reply = request.toBuilder().setField1("OK").setField2(100).build();
        Packet built = new Packet(PacketType.REPLY, 0, "/hello/say", reply).bodyCodec((byte) 'p');
        assertThat(encode(built, ctx)).isEqualTo(GoldenFrames.get("V13"));
    }

    @Test
    void pushFromServerStartsItsOwnSequenceAtZero() {
        Packet p = decode(GoldenFrames.get("V8"));
        assertThat(p.type()).isEqualTo(PacketType.PUSH);
        assertThat(p.seq()).isZero();
        assertThat(p.uri()).isEqualTo("/client/ack?from=server");
        Meta empty = p.hasMeta() ? p.meta() : new Meta();
        assertThat(empty.isEmpty()).isTrue();
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

    @Test
    void aSizeFieldThatReadsAsTextSaysWhatItLikelyIs() {
        for (String[] c : new String[][] {{"HTTP/1.1 400 Bad Request", "an HTTP server"}, {"GET / HTTP/1.1", "an HTTP request"},
                {"hello world", "text, not a Teleport frame"}}) {
            io.netty.buffer.ByteBuf in = io.netty.buffer.Unpooled.copiedBuffer(c[0], java.nio.charset.StandardCharsets.US_ASCII);
            try {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> FastProto.INSTANCE.frameSize(in, ctx)).isInstanceOf(ProtoException.class)
                        .hasMessageContaining("exceeds limit").hasMessageContaining(c[1]);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> ErpcRawProto.INSTANCE.frameSize(in, ctx)).isInstanceOf(ProtoException.class)
                        .hasMessageContaining(c[1]);
            } finally {
                in.release();
            }
        }
    }

    @Test
    void moreFiltersThanTheBoundAreRefusedBeforeTheFrameIsWhole() {
        // The header alone: the count is refused before the rest of the frame is waited for.
        ByteBuf in = ALLOC.buffer().writeInt(4096).writeByte(FastProto.ID).writeByte(FastProto.MAX_FILTERS + 1);
        try {
            assertThatThrownBy(() -> FastProto.INSTANCE.frameSize(in, ctx)).isInstanceOf(ProtoException.class)
                    .hasMessageContaining("transfer filters: 9");
        } finally {
            in.release();
        }
        Packet p = new Packet(PacketType.PUSH, 1, "/a", null).xferPipe(new byte[FastProto.MAX_FILTERS + 1]);
        assertThatThrownBy(() -> FastProto.INSTANCE.encode(p, ctx, ALLOC)).isInstanceOf(ProtoException.class);
    }
}
