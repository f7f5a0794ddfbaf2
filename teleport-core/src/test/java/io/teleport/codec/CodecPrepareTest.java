package io.teleport.codec;

import bench.proto.BenchmarkMessage;
import com.google.protobuf.AbstractParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.testproto.PbTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.ValueSerializerModifier;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Codecs prepare for a route's body type as it is registered, not on its first message. */
class CodecPrepareTest {

    /** Controller whose method takes a generic body type. */
    public static final class Lists {
        public int count(List<String> items) {
            return items.size();
        }
    }

    @Test
    void registeringARoutePreparesEveryCodecForItsBodyType() {
        RecordingCodec recording = new RecordingCodec((byte) 'r', "recording", false);
        Peer peer = Peer.builder().config(PeerConfig.builder().build()).codec(recording)
                .codec(new RecordingCodec((byte) 'f', "failing", true))
                .codec(new RecordingCodec((byte) 'k', "failing-checked", true)).build();
        try {
            peer.pullRouter().route("/pb", PbTest.class, (body, ctx) -> body);
            peer.pushRouter().route("/text", String.class, (body, ctx) -> { });
            peer.pullRouter().register(new Lists());
            // Unknown-route handlers take the raw body: nothing to prepare.
            peer.pullRouter().setUnknown(ctx -> null);

            assertThat(recording.prepared).hasSize(3);
            assertThat(recording.prepared.subList(0, 2)).containsExactly(PbTest.class, String.class);
            assertThat(recording.prepared.get(2).getTypeName()).isEqualTo("java.util.List<java.lang.String>");
            // A codec that cannot prepare (it throws, even a checked exception) refuses no route: the
            // first message tells.
            assertThat(peer.pullRouter().lookup("/pb")).isNotNull();
            assertThat(peer.pushRouter().lookup("/text")).isNotNull();
        } finally {
            peer.shutdown(Duration.ZERO);
        }
    }

    @Test
    void theBuiltInCodecsPrepareQuietlyForTypesTheyDoNotHandle() {
        Codecs codecs = Codecs.defaults();
        // BenchmarkMessage is proto2 with required fields: an empty body is not a complete one.
        for (Type type : new Type[] {PbTest.class, BenchmarkMessage.class, String.class, byte[].class, Map.class, Runnable.class,
                int.class, PreEncoded.class, listOfStrings()}) {
            assertThatCode(() -> codecs.prepare(type)).as(type.getTypeName()).doesNotThrowAnyException();
        }
        // Each codec directly too: the registry's guard is for codecs of users, not an excuse for ours.
        for (Codec codec : codecs.all()) {
            assertThatCode(() -> codec.prepare(PbTest.class)).as(codec.name()).doesNotThrowAnyException();
            assertThatCode(() -> codec.prepare(BenchmarkMessage.class)).as(codec.name()).doesNotThrowAnyException();
            assertThatCode(() -> codec.prepare(String.class)).as(codec.name()).doesNotThrowAnyException();
        }
        // Prepared, the codecs read and write as before.
        assertThat(codecs.decode(ProtobufCodec.ID, new byte[0], PbTest.class)).isEqualTo(PbTest.getDefaultInstance());
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E undeclared(Throwable e) throws E {
        throw (E) e;
    }

    private static Type listOfStrings() {
        try {
            return Lists.class.getMethod("count", List.class).getGenericParameterTypes()[0];
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void protobufPreparesThroughTheMessagesOwnParserOnce() {
        ProtobufCodec protobuf = new ProtobufCodec();
        int before = CountedMessage.PARSER.parses.get();
        protobuf.prepare(CountedMessage.class);
        assertThat(CountedMessage.PARSER.parses.get() - before).as("parses of an empty body").isEqualTo(1);
        // Types that are not messages are passed by without a look at any parser.
        protobuf.prepare(String.class);
        protobuf.prepare(listOfStrings());
        assertThat(CountedMessage.PARSER.parses.get() - before).isEqualTo(1);
    }

    /** A hand-written protobuf message whose parser counts its parses. */
    public static final class CountedMessage implements MessageLite {
        static final CountingParser PARSER = new CountingParser();
        private static final CountedMessage DEFAULT = new CountedMessage();

        public static CountedMessage getDefaultInstance() {
            return DEFAULT;
        }

        @Override
        public Parser<CountedMessage> getParserForType() {
            return PARSER;
        }

        @Override
        public CountedMessage getDefaultInstanceForType() {
            return DEFAULT;
        }

        @Override
        public boolean isInitialized() {
            return true;
        }

        @Override
        public int getSerializedSize() {
            return 0;
        }

        @Override
        public void writeTo(CodedOutputStream output) {
        }

        @Override
        public ByteString toByteString() {
            return ByteString.EMPTY;
        }

        @Override
        public byte[] toByteArray() {
            return new byte[0];
        }

        @Override
        public void writeTo(OutputStream output) {
        }

        @Override
        public void writeDelimitedTo(OutputStream output) throws IOException {
            output.write(0);
        }

        @Override
        public Builder newBuilderForType() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Builder toBuilder() {
            throw new UnsupportedOperationException();
        }
    }

    static final class CountingParser extends AbstractParser<CountedMessage> {
        final AtomicInteger parses = new AtomicInteger();

        @Override
        public CountedMessage parsePartialFrom(CodedInputStream input, ExtensionRegistryLite extensions) {
            parses.incrementAndGet();
            return CountedMessage.DEFAULT;
        }
    }

    /** A body type of the JSON tests. */
    public record Item(String name, int count) {
    }

    @Test
    void jsonBuildsItsReaderAndWriterButLeavesProtobufMessagesToTheirCodec() {
        List<Class<?>> serializers = new CopyOnWriteArrayList<>();
        List<Class<?>> deserializers = new CopyOnWriteArrayList<>();
        SimpleModule recording = new SimpleModule("recording")
                .setSerializerModifier(new ValueSerializerModifier() {
                    @Override
                    public ValueSerializer<?> modifySerializer(SerializationConfig config, BeanDescription.Supplier bean,
                            ValueSerializer<?> serializer) {
                        serializers.add(bean.getBeanClass());
                        return serializer;
                    }
                })
                .setDeserializerModifier(new ValueDeserializerModifier() {
                    @Override
                    public ValueDeserializer<?> modifyDeserializer(DeserializationConfig config,
                            BeanDescription.Supplier bean, ValueDeserializer<?> deserializer) {
                        deserializers.add(bean.getBeanClass());
                        return deserializer;
                    }
                });
        JsonCodec json = new JsonCodec(JsonCodec.goCompatibleMapperBuilder().addModule(recording).build());

        json.prepare(Item.class);
        assertThat(serializers).contains(Item.class);
        assertThat(deserializers).contains(Item.class);

        json.prepare(PbTest.class);
        json.prepare(BenchmarkMessage.class);
        assertThat(serializers).doesNotContain(PbTest.class, BenchmarkMessage.class);
        assertThat(deserializers).doesNotContain(PbTest.class, BenchmarkMessage.class);

        // What prepare built is what a message then uses: nothing is built again.
        int built = serializers.size() + deserializers.size();
        ByteBuf out = io.netty.buffer.Unpooled.buffer();
        try {
            json.encode(new Item("a", 2), out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            assertThat(json.decode(bytes, Item.class)).isEqualTo(new Item("a", 2));
        } finally {
            out.release();
        }
        assertThat(serializers.size() + deserializers.size()).isEqualTo(built);
    }

    private static final class RecordingCodec implements Codec {
        private final byte id;
        private final String name;
        private final boolean fails;
        final List<Type> prepared = new CopyOnWriteArrayList<>();

        RecordingCodec(byte id, String name, boolean fails) {
            this.id = id;
            this.name = name;
            this.fails = fails;
        }

        @Override
        public byte id() {
            return id;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void encode(Object body, ByteBuf out) {
        }

        @Override
        public Object decode(byte[] bytes, Type type) {
            return null;
        }

        @Override
        public void prepare(Type type) {
            if (fails && id == 'k') {
                // A checked exception the method does not declare, as some libraries throw.
                throw CodecPrepareTest.<RuntimeException>undeclared(new IOException("cannot prepare " + type.getTypeName()));
            }
            if (fails) {
                throw new IllegalStateException("cannot prepare " + type.getTypeName());
            }
            prepared.add(type);
        }
    }
}
