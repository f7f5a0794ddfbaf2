package io.teleport.codec;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.deser.jdk.NumberDeserializers;
import tools.jackson.databind.deser.std.StdDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdScalarSerializer;

import java.util.Arrays;

/**
 * {@code double} and {@code float} values as Go's {@code encoding/json} has a {@code float64}: finite
 * numbers only. Read, a value comes from a JSON number within the type's range (Jackson, with scalar
 * coercion off, still takes the strings {@code "NaN"} and {@code "Infinity"}, in arrays too, and reads
 * {@code 1e400} as an infinity); written, NaN and the infinities are refused, as Go refuses to marshal
 * them, rather than written as strings no Go peer reads and this codec would refuse to read back.
 */
final class FiniteFloatingPoint {

    private FiniteFloatingPoint() {
    }

    /** The readers and writers of {@code double}, {@code float}, their wrappers and their arrays. */
    static SimpleModule module() {
        return new SimpleModule("teleport-finite-floating-point")
                .addDeserializer(Double.TYPE, new Doubles(Double.TYPE, 0.0))
                .addDeserializer(Double.class, new Doubles(Double.class, null))
                .addDeserializer(Float.TYPE, new Floats(Float.TYPE, 0.0f))
                .addDeserializer(Float.class, new Floats(Float.class, null))
                .addDeserializer(double[].class, new DoubleArrays())
                .addDeserializer(float[].class, new FloatArrays())
                .addSerializer(Double.TYPE, new FiniteWriter<>(Double.TYPE))
                .addSerializer(Double.class, new FiniteWriter<>(Double.class))
                .addSerializer(Float.TYPE, new FiniteWriter<>(Float.TYPE))
                .addSerializer(Float.class, new FiniteWriter<>(Float.class))
                .addSerializer(double[].class, new FiniteArrayWriter<>(double[].class))
                .addSerializer(float[].class, new FiniteArrayWriter<>(float[].class));
    }

    /** A string where a number belongs: refused as any value of the wrong kind is. */
    private static Object notANumber(DeserializationContext ctxt, Class<?> type, JsonParser p) {
        return ctxt.handleUnexpectedToken(type, p);
    }

    /** A JSON number too large for its type, which Jackson would read as an infinity. */
    private static InputCoercionException outOfRange(JsonParser p, Class<?> type) {
        String text = p.getString();
        return new InputCoercionException(p, "Numeric value (" + (text.length() > 32 ? text.substring(0, 32) + "..." : text)
                + ") out of range of " + type.getSimpleName(), p.currentToken(), type);
    }

    private static final class Doubles extends NumberDeserializers.DoubleDeserializer {

        Doubles(Class<Double> type, Double nullValue) {
            super(type, nullValue);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return (Double) notANumber(ctxt, handledType(), p);
            }
            Double value = super.deserialize(p, ctxt);
            if (value != null && value.isInfinite() && p.currentToken().isNumeric()) {
                throw outOfRange(p, Double.TYPE);
            }
            return value;
        }
    }

    private static final class Floats extends NumberDeserializers.FloatDeserializer {

        Floats(Class<Float> type, Float nullValue) {
            super(type, nullValue);
        }

        @Override
        public Float deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return (Float) notANumber(ctxt, handledType(), p);
            }
            Float value = super.deserialize(p, ctxt);
            if (value != null && value.isInfinite() && p.currentToken().isNumeric()) {
                throw outOfRange(p, Float.TYPE);
            }
            return value;
        }
    }

    /** Reads the elements of a JSON array as finite doubles; a null element is zero, as Go leaves it. */
    private static double[] readArray(JsonParser p, DeserializationContext ctxt, Class<?> elementType, double max) {
        double[] values = new double[8];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            try {
                double v = 0;
                if (t.isNumeric()) {
                    v = p.getDoubleValue();
                    if (Math.abs(v) > max) {
                        throw outOfRange(p, elementType);
                    }
                } else if (t != JsonToken.VALUE_NULL) {
                    notANumber(ctxt, elementType, p);
                }
                if (n == values.length) {
                    // Bounded by the body's token count (the mapper's stream constraints).
                    values = Arrays.copyOf(values, n * 2);
                }
                values[n++] = v;
            } catch (JacksonException e) {
                throw DatabindException.wrapWithPath(ctxt, e, new JacksonException.Reference(values, n));
            }
        }
        return Arrays.copyOf(values, n);
    }

    private static final class DoubleArrays extends StdDeserializer<double[]> {

        DoubleArrays() {
            super(double[].class);
        }

        @Override
        public double[] deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (!p.isExpectedStartArrayToken()) {
                return (double[]) ctxt.handleUnexpectedToken(double[].class, p);
            }
            return readArray(p, ctxt, Double.TYPE, Double.MAX_VALUE);
        }
    }

    private static final class FloatArrays extends StdDeserializer<float[]> {

        FloatArrays() {
            super(float[].class);
        }

        @Override
        public float[] deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (!p.isExpectedStartArrayToken()) {
                return (float[]) ctxt.handleUnexpectedToken(float[].class, p);
            }
            double[] read = readArray(p, ctxt, Float.TYPE, Float.MAX_VALUE);
            float[] values = new float[read.length];
            for (int i = 0; i < read.length; i++) {
                values[i] = (float) read[i];
            }
            return values;
        }
    }

    /** Refuses a value JSON cannot hold, as Go's marshaller does ("json: unsupported value: NaN"). */
    private static void requireFinite(double value, JsonGenerator gen) {
        if (!Double.isFinite(value)) {
            throw DatabindException.from(gen, "unsupported value: " + value + " (JSON has no NaN or infinity; Go's"
                    + " encoding/json refuses them too)");
        }
    }

    private static final class FiniteWriter<T extends Number> extends StdScalarSerializer<T> {

        FiniteWriter(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
            requireFinite(value.doubleValue(), gen);
            if (value instanceof Float f) {
                gen.writeNumber(f.floatValue());
            } else {
                gen.writeNumber(value.doubleValue());
            }
        }
    }

    private static final class FiniteArrayWriter<T> extends StdScalarSerializer<T> {

        FiniteArrayWriter(Class<T> type) {
            super(type);
        }

        @Override
        public boolean isEmpty(SerializationContext ctxt, T value) {
            // As Jackson's own array writers: an empty array is left out under @JsonInclude(NON_EMPTY).
            return java.lang.reflect.Array.getLength(value) == 0;
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
            if (value instanceof double[] doubles) {
                for (double d : doubles) {
                    requireFinite(d, gen);
                }
                gen.writeArray(doubles, 0, doubles.length);
                return;
            }
            float[] floats = (float[]) value;
            for (float f : floats) {
                requireFinite(f, gen);
            }
            gen.writeStartArray(value, floats.length);
            for (float f : floats) {
                gen.writeNumber(f);
            }
            gen.writeEndArray();
        }
    }
}
