package io.teleport.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;

/**
 * Marshals message bodies; chosen per message by the id byte that precedes the body on the wire.
 *
 * <p>Implementations are stateless and thread-safe. They are never called for an empty body: a
 * {@code null} value writes no bytes and zero bytes read back as {@code null}.
 */
public interface Codec {

    /** The id byte written before the body, such as {@code 'j'}; never 0, which means "no body". */
    byte id();

    /** The name used in configuration, such as {@code json}. */
    String name();

    /**
     * Writes {@code body} into {@code out}.
     *
     * @throws CodecException when the value cannot be marshalled by this codec
     */
    void encode(Object body, ByteBuf out);

    /**
     * Reads a value of {@code type} from the non-empty {@code bytes}. The array is the caller's to
     * give away: the peer never writes to a body after decoding it, so a codec may keep views of it
     * in the value instead of copies (the Protobuf codec does).
     *
     * @return the value; {@code null} where the encoding has one (JSON's {@code null})
     * @throws CodecException when the bytes do not decode into that type
     */
    @Nullable Object decode(byte[] bytes, Type type);

    /**
     * How many bytes {@code body} will take, when the codec knows it cheaply; -1 otherwise. Lets the
     * protocol size the frame buffer once instead of growing it.
     */
    default int sizeHint(Object body) {
        return -1;
    }

    /**
     * The value an empty body stands for when read as {@code type}: Go's zero value. {@code null} by
     * default; a codec overrides it where an empty encoding has a natural value (an empty message).
     */
    default @Nullable Object emptyValue(Type type) {
        return null;
    }

    /**
     * Resolves ahead of the first message what this codec would otherwise resolve on it for values
     * of {@code type}: class initialisation, reflective lookups, cached readers and writers. Called
     * as a route taking {@code type} is registered, so that the first calls after start-up do not
     * queue behind it. Must return quietly for types the codec does not handle; nothing by default.
     */
    default void prepare(Type type) {
    }
}
