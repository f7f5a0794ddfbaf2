package io.teleport.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.SerializableString;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.io.SerializedString;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.AbstractDeserializer;
import tools.jackson.databind.deser.bean.BeanDeserializerBase;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The JSON codec, id {@code 'j'}, name {@code json}: Teleport's default.
 *
 * <p>Reads and writes JSON the way Go's {@code encoding/json} does, so that Java and Go peers agree on
 * bodies: byte arrays are base64 strings, map keys are sorted, {@code < > &} and U+2028/U+2029 are
 * written as six-character unicode escapes, bean properties keep their declaration order, and on decode
 * property names match case-insensitively and unknown properties are ignored. A value of the wrong JSON
 * kind is refused as Go refuses it, not converted: a fraction or a string into an integer, a number or a
 * boolean into a string, a number or a string into a boolean, a number into an enum, {@code "NaN"} into a
 * {@code double}, a number past its type's range; an integer into a floating-point field is read, as Go
 * reads it, and so is a decimal string into a {@code BigDecimal} (Go's decimal types write one). NaN and
 * the infinities are not written, as Go does not marshal them. A {@code Duration} is a number of
 * nanoseconds, as Go's {@code time.Duration}.
 */
public final class JsonCodec implements Codec {

    /** The id byte, {@code 'j'}. */
    public static final byte ID = 'j';

    /**
     * The most tokens a body may have with the Go-compatible mapper: one per 256 bytes of the maximum
     * heap, at least a million (about 3 MB of dense JSON, for heaps of 256 MB or less) and at most
     * sixteen million (more than a 16 MB body holds). Decoded into maps and lists, each token takes 30
     * to 45 bytes of heap (a body of empty objects, {@code [{},{},...]}, twenty times its size), so the
     * frame size alone would let one 16 MB body take over 300 MB; this keeps one body within about a
     * sixth of the heap. Past it a body, or a reply, is refused as past a parser limit (400).
     */
    public static final long DEFAULT_MAX_TOKENS = Math.min(16_000_000, Math.max(1_000_000, Runtime.getRuntime().maxMemory() / 256));

    /** The longest JSON path told back to a body's sender: the names come from its own input. */
    private static final int MAX_PATH = 128;

    private final JsonMapper mapper;
    /** Protobuf message classes, and whether this codec refuses them (see {@link #onlyAsABean}). */
    private final Map<Class<?>, Boolean> halfBuilt = new java.util.concurrent.ConcurrentHashMap<>();

    /** A codec with the Go-compatible mapper. */
    public JsonCodec() {
        this(goCompatibleMapper());
    }

    /** A codec over a mapper of the caller's, for example one with more modules registered. */
    public JsonCodec(JsonMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /**
     * A builder preset to Go's {@code encoding/json} rules, for callers who want to add modules and
     * keep the wire compatible; bodies of at most {@link #DEFAULT_MAX_TOKENS} tokens.
     */
    public static JsonMapper.Builder goCompatibleMapperBuilder() {
        return goCompatibleMapperBuilder(DEFAULT_MAX_TOKENS);
    }

    /**
     * {@link #goCompatibleMapperBuilder()} with bodies of at most {@code maxTokens} tokens; zero or less
     * for no limit, which leaves the heap a body may take to its sender.
     */
    public static JsonMapper.Builder goCompatibleMapperBuilder(long maxTokens) {
        JsonFactory factory = JsonFactory.builder().characterEscapes(GoEscapes.INSTANCE)
                .streamReadConstraints(StreamReadConstraints.builder().maxTokenCount(Math.max(0, maxTokens)).build())
                .build();
        return JsonMapper.builder(factory)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // Go leaves a field that is missing or null at its zero value, and a Go struct tagged
                // omitempty leaves zero numbers out: a missing or null int is 0, not a 400.
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // Go's scalars are strict: 2.9 is no int (nor is 2.0), "7" no number, 5 no string, 1 no bool.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(tools.jackson.databind.cfg.EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .withCoercionConfig(LogicalType.Textual, text -> text
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                // Go's decimal types (shopspring/decimal, big.Float) and json.Number write or read a decimal
                // as a string: a number's text in one is read; anything else in it still is not.
                .withCoercionConfig(java.math.BigDecimal.class, decimal -> decimal
                        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
                .withCoercionConfig(Number.class, number -> number
                        .setCoercion(CoercionInputShape.String, CoercionAction.TryConvert))
                .addModule(FiniteFloatingPoint.module())
                .addModule(GoDurations.module())
                .addModule(new SimpleModule("teleport-bounded-decimals")
                        .addDeserializer(java.math.BigDecimal.class, new BoundedDecimalDeserializer()));
    }

    private static JsonMapper goCompatibleMapper() {
        return goCompatibleMapperBuilder().build();
    }

    /** The mapper in use. */
    public JsonMapper mapper() {
        return mapper;
    }

    @Override
    public byte id() {
        return ID;
    }

    @Override
    public String name() {
        return "json";
    }

    @Override
    public void encode(Object body, ByteBuf out) {
        try {
            mapper.writeValue((java.io.OutputStream) new ByteBufOutputStream(out), body);
        } catch (JacksonException e) {
            if (isProtobufMessage(body.getClass())) {
                // Jackson's own words ("Direct self-reference leading to cycle") would not say it.
                throw new CodecException("json: cannot marshal " + body.getClass().getName() + ": a protobuf"
                        + " message is written with the protobuf codec, not JSON: CallOptions.bodyCodec(ProtobufCodec.ID)"
                        + " for a pull or push, PullContext.replyBodyCodec(ProtobufCodec.ID) for a reply", e);
            }
            throw new CodecException("json: cannot marshal " + body.getClass().getName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void prepare(Type type) {
        if (type instanceof Class && isProtobufMessage((Class<?>) type)) {
            // Jackson cannot bind protobuf's generated classes (builders, no setters), and introspecting
            // them takes tens of milliseconds each: their routes are the protobuf codec's.
            return;
        }
        // Looking a reader and a writer up builds their (de)serializers into the mapper's caches.
        tools.jackson.databind.JavaType javaType = mapper.constructType(type);
        mapper.readerFor(javaType);
        mapper.writerFor(javaType);
        String unreadable;
        try {
            unreadable = unreadable(javaType.getRawClass(),
                    mapper._deserializationContext().findRootValueDeserializer(javaType));
        } catch (InvalidDefinitionException e) {
            // A local or anonymous class, say: Jackson will not even build a reader.
            unreadable = e.getOriginalMessage();
        }
        if (unreadable != null) {
            // Jackson builds a reader for such a type and fails on every value it reads: said once, here.
            throw new UnreadableTypeException("json: cannot make a " + type.getTypeName() + " from JSON: " + unreadable,
                    null);
        }
    }

    /** Why a reader Jackson built can never make a value, in words that say what to change; null when it can. */
    private static @Nullable String unreadable(Class<?> type, ValueDeserializer<Object> reader) {
        if (reader instanceof AbstractDeserializer) {
            return "an interface or abstract class, with no concrete type mapped for it";
        }
        if (!(reader instanceof BeanDeserializerBase bean) || bean.getValueInstantiator().canInstantiate()) {
            return null;
        }
        if (type.getEnclosingClass() != null && !java.lang.reflect.Modifier.isStatic(type.getModifiers())) {
            return "a non-static inner class (make it static, or a record)";
        }
        return "no constructor Jackson can use (add one without arguments, compile with -parameters, or mark one"
                + " @JsonCreator)";
    }

    /**
     * Whether this codec's mapper has nothing but a bean deserializer for a protobuf message class: no
     * module of the application's reads it (one built on protobuf's JsonFormat, say), so decoding would
     * only half-build it. Looked up once per class, as finding a deserializer introspects the class.
     */
    private boolean onlyAsABean(Class<?> type) {
        try {
            return mapper._deserializationContext().findRootValueDeserializer(mapper.constructType(type))
                    instanceof BeanDeserializerBase;
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Whether a class is a protobuf message, looked up once per class. */
    private static final ClassValue<Boolean> PROTOBUF_MESSAGE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return isProtobufMessage(type);
        }
    };

    /** Through the type's own loader: protobuf is optional, and this codec does not link it. */
    private static boolean isProtobufMessage(Class<?> type) {
        try {
            return Class.forName("com.google.protobuf.MessageLite", false, type.getClassLoader()).isAssignableFrom(type);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public @Nullable Object decode(byte[] bytes, Type type) {
        if (type instanceof Class && PROTOBUF_MESSAGE.get((Class<?>) type)
                && halfBuilt.computeIfAbsent((Class<?>) type, this::onlyAsABean)) {
            // Jackson would make one through its private constructor, whose fields protobuf never set.
            throw new CodecException("json: cannot unmarshal into " + type.getTypeName() + ": a protobuf message"
                    + " is read with the protobuf codec, not JSON", "json: this route takes a protobuf body:"
                    + " send it with codec 'p'", null);
        }
        try {
            return mapper.readValue(bytes, mapper.constructType(type));
        } catch (InvalidDefinitionException e) {
            if (e.getType() == null || e.getType().getRawClass() == mapper.constructType(type).getRawClass()) {
                throw new UnreadableTypeException("json: cannot make a " + type.getTypeName() + " from JSON: "
                        + e.getOriginalMessage(), e);
            }
            // A type the body named (a polymorphic type id) or a field's: the sender's choice may be at fault,
            // and must not make this side log its own mistake; a 400 as for any body that does not fit.
            throw new CodecException("json: cannot unmarshal into " + type.getTypeName() + ": "
                    + e.getOriginalMessage(), "json: the body does not fit the route's type", e);
        } catch (JacksonException e) {
            throw new CodecException("json: cannot unmarshal into " + type.getTypeName() + ": "
                    + e.getOriginalMessage(), publicMessage(e), e);
        }
    }

    /**
     * Where the body went wrong, for its sender: a syntax error in Jackson's words (they speak of the
     * input only), otherwise the JSON path and position, since a mapping error's words name our types.
     */
    private static String publicMessage(JacksonException e) {
        StringBuilder sb = new StringBuilder(64);
        if (e instanceof InputCoercionException) {
            // Valid JSON, a number past what its field holds: the body does not fit, as for any other field.
            sb.append("json: the body does not fit the route's type: a number out of its field's range");
            appendPath(sb, e);
        } else if (e instanceof StreamReadException) {
            sb.append("json: malformed body: ").append(e.getOriginalMessage());
        } else if (e instanceof StreamConstraintsException) {
            // Nesting too deep, too many tokens, a number or string too long: the parser's bounds, not
            // the route's type; without the name of the library's setting, which is ours to know.
            sb.append("json: the body passes a parser limit: ")
                    .append(String.valueOf(e.getOriginalMessage()).replaceAll(", from `[^`]*`", ""));
        } else {
            sb.append("json: the body does not fit the route's type");
            if (e instanceof MismatchedInputException m) {
                String expected = kindOf(elementOrSelf(m.getTargetType(), e));
                String found = kindOf(m.getCurrentToken());
                if (expected != null && found != null && !expected.equals(found)) {
                    sb.append(": expected ").append(expected).append(", found ").append(found);
                }
            }
            appendPath(sb, e);
        }
        TokenStreamLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            sb.append(" (line ").append(at.getLineNr()).append(", column ").append(at.getColumnNr()).append(')');
        }
        return sb.toString();
    }

    /** Appends where in the body the error is, as a JSON path ({@code $.items[1].count}), when Jackson knows. */
    private static void appendPath(StringBuilder sb, JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append('.').append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        if (!path.isEmpty()) {
            sb.append(" at $").append(path, 0, Math.min(path.length(), MAX_PATH));
        }
    }

    /** An array's element type when the error is at one of its elements (the path ends in an index). */
    private static @Nullable Class<?> elementOrSelf(@Nullable Class<?> type, JacksonException e) {
        if (type == null || !type.isArray() || e.getPath().isEmpty()) {
            return type;
        }
        return e.getPath().get(e.getPath().size() - 1).getIndex() >= 0 ? type.getComponentType() : type;
    }

    /** The JSON a value of {@code type} is read from, in words that name no class; null when it is not plain. */
    private static @Nullable String kindOf(@Nullable Class<?> type) {
        if (type == null) {
            return null;
        }
        if (type == byte[].class || type == String.class || type.isEnum() || type == char.class
                || type == Character.class) {
            // byte[] as base64, as Go writes []byte.
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isRecord() || Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == java.time.Duration.class) {
            return "an integer (nanoseconds)";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class || type == Integer.class
                || type == Long.class || type == Short.class || type == Byte.class || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != char.class && type != void.class) {
            return "a number";
        }
        return null;
    }

    /** The JSON value a token starts, in words; null for any other token. */
    private static @Nullable String kindOf(@Nullable JsonToken token) {
        if (token == null) {
            return null;
        }
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number with a fraction or an exponent";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    /** Go's HTML-safe escaping, with lower-case hex digits as Go writes them. */
    private static final class GoEscapes extends CharacterEscapes {

        private static final long serialVersionUID = 1L;
        static final GoEscapes INSTANCE = new GoEscapes();

        private final int[] table;

        private GoEscapes() {
            table = standardAsciiEscapesForJSON();
            table['<'] = ESCAPE_CUSTOM;
            table['>'] = ESCAPE_CUSTOM;
            table['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public @Nullable SerializableString getEscapeSequence(int ch) {
            switch (ch) {
                case '<':
                    return new SerializedString("\\u003c");
                case '>':
                    return new SerializedString("\\u003e");
                case '&':
                    return new SerializedString("\\u0026");
                case 0x2028:
                    return new SerializedString("\\u2028");
                case 0x2029:
                    return new SerializedString("\\u2029");
                default:
                    return null;
            }
        }
    }
}
