package io.teleport.codec;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The codecs a peer knows, looked up by id byte on every message and by name in configuration.
 *
 * <p>Starts with JSON {@code 'j'}, string {@code 's'} and, when protobuf-java is on the class path,
 * Protobuf {@code 'p'}. Registration is meant for set-up time; lookups are lock-free and safe from
 * any thread.
 */
public final class Codecs {

    private static final Logger log = LoggerFactory.getLogger(Codecs.class);
    private volatile @Nullable Codec[] byId = new Codec[256];
    /** Set on a peer's own copy: what a running peer decodes with does not change under it. */
    private boolean frozen;

    private Codecs() {
    }

    /** A registry with no codec. */
    public static Codecs empty() {
        return new Codecs();
    }

    /** A registry with the built-in codecs. */
    public static Codecs defaults() {
        Codecs codecs = new Codecs();
        codecs.register(new JsonCodec());
        codecs.register(new StringCodec());
        if (protobufAvailable()) {
            codecs.register(new ProtobufCodec());
        }
        return codecs;
    }

    // Must not touch ProtobufCodec itself: loading it needs protobuf-java, an optional dependency.
    private static boolean protobufAvailable() {
        try {
            Class.forName("com.google.protobuf.MessageLite", false, Codecs.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Adds a codec, replacing the one with the same id.
     *
     * @throws IllegalArgumentException for id 0, which is reserved for "no body", or for a name
     *     already used by a codec with another id
     */
    public synchronized Codecs register(Codec codec) {
        if (frozen) {
            throw new IllegalStateException("a peer's registry is fixed once the peer is built; register before");
        }
        Objects.requireNonNull(codec, "codec");
        int id = codec.id() & 0xFF;
        if (id == 0) {
            throw new IllegalArgumentException("codec id: 0 (expected: 1-255; 0 means no body)");
        }
        Codec sameName = byName(codec.name());
        if (sameName != null && sameName.id() != codec.id()) {
            throw new IllegalArgumentException("codec name: " + codec.name() + " (already used by id "
                    + (char) sameName.id() + ")");
        }
        @Nullable Codec[] next = byId.clone();
        next[id] = codec;
        byId = next;
        return this;
    }

    /** An unchangeable copy with the same entries, for a peer to keep. */
    public Codecs frozenCopy() {
        Codecs copy = new Codecs();
        copy.byId = byId;
        copy.frozen = true;
        return copy;
    }

    /** The codec with this id, or {@code null}. */
    public @Nullable Codec get(byte id) {
        return byId[id & 0xFF];
    }

    /** The codec with this name, or {@code null}. */
    public @Nullable Codec byName(String name) {
        for (Codec codec : byId) {
            if (codec != null && codec.name().equals(name)) {
                return codec;
            }
        }
        return null;
    }

    /** The codec with this name; fails with a message listing the known names. */
    public Codec require(String name) {
        Codec codec = byName(name);
        if (codec == null) {
            throw new IllegalArgumentException("body codec: " + name + " (expected one of " + names() + ")");
        }
        return codec;
    }

    /** Every registered codec, by id. */
    public List<Codec> all() {
        List<Codec> all = new ArrayList<>();
        for (Codec codec : byId) {
            if (codec != null) {
                all.add(codec);
            }
        }
        return Collections.unmodifiableList(all);
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        all().forEach(c -> names.add(c.name()));
        return names;
    }

    /**
     * Writes {@code body} with codec {@code id}; a {@code null} body writes nothing and a
     * {@link PreEncoded} body is written as it is.
     *
     * @throws CodecException for an unknown id with a non-null body, or a value the codec rejects
     */
    public void encode(byte id, @Nullable Object body, ByteBuf out) {
        if (body == null) {
            return;
        }
        if (body instanceof PreEncoded) {
            codecFor(id);
            out.writeBytes(((PreEncoded) body).bytes());
            return;
        }
        codecFor(id).encode(body, out);
    }

    /**
     * Reads the body {@code bytes} written with codec {@code id} as {@code type}. Empty bytes give
     * the codec's empty value ({@code null} for most types). A {@code byte[]} target is read by the
     * codec like any other value (base64 text in JSON, the bytes themselves with the string codec),
     * so that what {@link #encode} wrote reads back the same; a {@link PreEncoded} target receives
     * the body as it came, whatever the codec. A primitive type is read as its wrapper and never
     * gives {@code null}, but the primitive's zero.
     *
     * @throws CodecException for an unknown id with a body (a {@code Void} target too) or bytes that do
     *     not fit the type
     */
    public @Nullable Object decode(byte id, byte[] bytes, Type type) {
        if (type == PreEncoded.class) {
            // The raw-bytes type both ways: written as it is, read as it came.
            return bytes.length == 0 ? null : new PreEncoded(bytes);
        }
        if (type == Void.class || type == void.class) {
            if (bytes.length > 0) {
                // Not read, but a body in a codec this side lacks is an error all the same: a pull's reply
                // would be written in it, after its handler ran.
                codecFor(id);
            }
            return null;
        }
        if (type instanceof Class && ((Class<?>) type).isPrimitive()) {
            // Codecs know wrappers, not int.class; Go decodes into a zero-valued variable, so nothing
            // (an empty body, a JSON null) leaves the zero rather than a null nobody can unbox.
            Object value = decode(id, bytes, MethodType.methodType((Class<?>) type).wrap().returnType());
            return value != null ? value : Array.get(Array.newInstance((Class<?>) type, 1), 0);
        }
        if (bytes.length == 0) {
            Codec codec = byId[id & 0xFF];
            return codec == null ? null : codec.emptyValue(type);
        }
        Codec codec = codecFor(id);
        try {
            return codec.decode(bytes, type);
        } catch (IllegalArgumentException e) {
            // An application's codec that rejects a body with the JDK's exception for bad input did reject
            // it: the sender's mistake, a 400, not this side's 500 (any other exception is its own bug).
            throw new CodecException(codec.name() + " could not decode the body into " + type.getTypeName() + ": " + e, e);
        }
    }

    /**
     * Has every codec {@link Codec#prepare prepare} for bodies of {@code type}. A codec that fails
     * to is passed by: the first message of that type reports the same failure where it belongs.
     */
    public void prepare(Type type) {
        if (type == PreEncoded.class || type == Void.class || type == void.class) {
            return;
        }
        for (Codec codec : all()) {
            try {
                codec.prepare(type);
            } catch (UnreadableTypeException e) {
                // Not the sender's to mend: the route's own type. A route may take another codec's bodies only
                // (a custom codec's type), so a warning rather than a refusal to start.
                log.warn("{}; a body in {} for a route taking it is answered 500", e.getMessage(), codec.name());
            } catch (Exception | LinkageError | AssertionError e) {
                // Exception: a codec may throw a checked one it does not declare.
                log.debug("codec {} could not prepare for {}: {}", codec.name(), type.getTypeName(), e.toString());
            }
        }
    }

    /** The encoded size of {@code body} when its codec knows it cheaply; -1 otherwise. */
    public int sizeHint(byte id, @Nullable Object body) {
        if (body == null) {
            return 0;
        }
        if (body instanceof PreEncoded) {
            return ((PreEncoded) body).bytes().length;
        }
        Codec codec = byId[id & 0xFF];
        return codec == null ? -1 : codec.sizeHint(body);
    }

    private Codec codecFor(byte id) {
        Codec codec = byId[id & 0xFF];
        if (codec == null) {
            String message = "unsupported codec id: " + (id & 0xFF);
            throw new CodecException(message, message, null);
        }
        return codec;
    }
}
