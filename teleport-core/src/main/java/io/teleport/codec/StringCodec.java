package io.teleport.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * The string codec, id {@code 's'}, name {@code string}: the body is the bytes themselves.
 *
 * <p>Writes a {@link CharSequence} as UTF-8 and a {@code byte[]} as is; reads into {@link String},
 * {@code byte[]} or {@link Object} (a string). Anything else is an error, as in Teleport v3.
 */
public final class StringCodec implements Codec {

    /** The id byte, {@code 's'}. */
    public static final byte ID = 's';

    @Override
    public byte id() {
        return ID;
    }

    @Override
    public String name() {
        return "string";
    }

    @Override
    public void encode(Object body, ByteBuf out) {
        if (body instanceof CharSequence) {
            out.writeCharSequence((CharSequence) body, StandardCharsets.UTF_8);
        } else if (body instanceof byte[]) {
            out.writeBytes((byte[]) body);
        } else {
            throw new CodecException("string: " + body.getClass().getName()
                    + " can not be directly converted to bytes (expected: CharSequence or byte[])");
        }
    }

    @Override
    public @Nullable Object emptyValue(Type type) {
        if (type == byte[].class) {
            return new byte[0];
        }
        return type == String.class || type == CharSequence.class ? "" : null;
    }

    @Override
    public Object decode(byte[] bytes, Type type) {
        if (type == String.class || type == Object.class || type == CharSequence.class) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (type == byte[].class) {
            return bytes;
        }
        throw new CodecException("string: cannot unmarshal into " + type.getTypeName()
                + " (expected: String or byte[])", "string: the route does not take a string body", null);
    }
}
