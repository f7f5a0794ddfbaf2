package io.teleport.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;

/**
 * The Protobuf codec, id {@code 'p'}, name {@code protobuf}: any generated message (full or lite).
 *
 * <p>Needs protobuf-java on the class path; {@link Codecs#defaults()} registers it only then. Writes
 * straight into the frame buffer, without an intermediate array, and reads bytes fields (and proto2
 * string fields) as views of the body rather than copies.
 *
 * <p>Fields a received message's type does not know are dropped (full runtime): kept, each becomes an
 * entry of its own in the message's unknown-field set, about 30 times its three or four bytes on the
 * wire, so that a peer could make a 4 MB body take 126 MB of heap. A peer that passes messages on to
 * others it does not know the newer fields of uses {@link #keepingUnknownFields()} instead, and bounds
 * what it reads accordingly ({@code read-limit}, the inbound budget).
 */
public final class ProtobufCodec implements Codec {

    /** The id byte, {@code 'p'}. */
    public static final byte ID = 'p';

    private static final ClassValue<@Nullable Parser<?>> PARSERS = new ClassValue<>() {
        @Override
        protected @Nullable Parser<?> computeValue(Class<?> type) {
            try {
                Method defaultInstance = type.getMethod("getDefaultInstance");
                return ((MessageLite) defaultInstance.invoke(null)).getParserForType();
            } catch (ReflectiveOperationException | ClassCastException e) {
                return null;
            }
        }
    };

    /** The parsers that drop unknown fields, for the full runtime's messages; the others as they are. */
    private static final ClassValue<@Nullable Parser<?>> DISCARDING = new ClassValue<>() {
        @Override
        protected @Nullable Parser<?> computeValue(Class<?> type) {
            Parser<?> parser = PARSERS.get(type);
            return parser != null && FullRuntime.PRESENT ? FullRuntime.discarding(type, parser) : parser;
        }
    };

    private final boolean keepUnknownFields;

    /** A codec that drops the fields a received message's type does not know. */
    public ProtobufCodec() {
        this(false);
    }

    private ProtobufCodec(boolean keepUnknownFields) {
        this.keepUnknownFields = keepUnknownFields;
    }

    /**
     * A codec that keeps the fields a received message's type does not know, so that a message passed
     * on still carries them; each costs about 30 times its size on the wire in heap until the message goes.
     */
    public static ProtobufCodec keepingUnknownFields() {
        return new ProtobufCodec(true);
    }

    /** What {@link #prepare} makes a direct-buffer stream over: one for all, however many routes. */
    private static final ByteBuffer NO_DIRECT_BYTES = ByteBuffer.allocateDirect(0);

    @Override
    public byte id() {
        return ID;
    }

    @Override
    public String name() {
        return "protobuf";
    }

    @Override
    public void encode(Object body, ByteBuf out) {
        if (!(body instanceof MessageLite)) {
            throw new CodecException("protobuf: " + body.getClass().getName()
                    + " does not implement com.google.protobuf.MessageLite");
        }
        MessageLite message = (MessageLite) body;
        int size = message.getSerializedSize();
        out.ensureWritable(size);
        try {
            CodedOutputStream stream = out.hasArray()
                    ? CodedOutputStream.newInstance(out.array(), out.arrayOffset() + out.writerIndex(), size)
                    : CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
            message.writeTo(stream);
            stream.checkNoSpaceLeft();
        } catch (IOException | IllegalStateException e) {
            throw new CodecException("protobuf: cannot marshal " + body.getClass().getName() + ": " + e.getMessage(), e);
        }
        out.writerIndex(out.writerIndex() + size);
    }

    @Override
    public int sizeHint(Object body) {
        // Messages cache their size: the encode that follows does not compute it again.
        return body instanceof MessageLite ? ((MessageLite) body).getSerializedSize() : -1;
    }

    @Override
    public @Nullable Object emptyValue(Type type) {
        Parser<?> parser = type instanceof Class ? PARSERS.get((Class<?>) type) : null;
        return parser == null ? null : decode(new byte[0], type);
    }

    @Override
    public void prepare(Type type) {
        Parser<?> parser = type instanceof Class ? PARSERS.get((Class<?>) type) : null;
        if (parser == null) {
            return;
        }
        // Initialises the classes every message goes through (byte strings, the input stream, the
        // output streams for arrays and direct buffers) here rather than on a call; not through this
        // codec's encode and decode, whose profile the JIT should take from real messages alone.
        // Partial: a message with required fields is not complete when empty.
        try {
            parser.parsePartialFrom(UnsafeByteOperations.unsafeWrap(new byte[0]).newCodedInput());
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        CodedOutputStream.newInstance(new byte[0]);
        CodedOutputStream.newInstance(NO_DIRECT_BYTES);
    }

    @Override
    public Object decode(byte[] bytes, Type type) {
        Parser<?> parser = type instanceof Class ? (keepUnknownFields ? PARSERS : DISCARDING).get((Class<?>) type) : null;
        if (parser == null) {
            throw new CodecException("protobuf: " + type.getTypeName() + " does not implement com.google.protobuf.MessageLite",
                    "protobuf: the route does not take a protobuf body", null);
        }
        try {
            // The body array belongs to this message alone and is never written again, so bytes fields
            // (and proto2 strings, decoded lazily) may point into it instead of being copied out.
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            Object message = parser.parseFrom(in);
            // As parseFrom(byte[]) does, rather than rely on each generated parser: the message ended at
            // the end of the body, not at an end-group tag.
            in.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            // Protobuf's own words speak of the wire input only.
            throw new CodecException("protobuf: cannot unmarshal into " + type.getTypeName() + ": " + e.getMessage(),
                    "protobuf: malformed body: " + e.getMessage(), e);
        }
    }

    /**
     * The full runtime's parts, in a class of their own: an application with protobuf-javalite alone
     * has no {@code Message}, and its messages keep their unknown fields as the lite runtime does.
     */
    private static final class FullRuntime {

        static final boolean PRESENT = present();

        private static boolean present() {
            try {
                Class.forName("com.google.protobuf.DiscardUnknownFieldsParser", false, ProtobufCodec.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }

        @SuppressWarnings("unchecked")
        static Parser<?> discarding(Class<?> type, Parser<?> parser) {
            return com.google.protobuf.Message.class.isAssignableFrom(type)
                    ? com.google.protobuf.DiscardUnknownFieldsParser.wrap((Parser<com.google.protobuf.Message>) parser)
                    : parser;
        }
    }
}
