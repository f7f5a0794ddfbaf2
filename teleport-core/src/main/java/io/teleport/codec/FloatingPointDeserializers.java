package io.teleport.codec;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.jdk.NumberDeserializers;
import tools.jackson.databind.module.SimpleModule;

/**
 * {@code double} and {@code float} values read from JSON numbers only, as Go's {@code encoding/json}
 * reads a {@code float64}: Jackson, with scalar coercion off, still takes the strings {@code "NaN"} and
 * {@code "Infinity"}, which Go refuses and no Go peer writes (Go cannot marshal them at all).
 * Jackson's own deserializers otherwise, so nulls and empty values stay as they are.
 */
final class FloatingPointDeserializers {

    private FloatingPointDeserializers() {
    }

    /** Registers the four: primitive and wrapper, double and float. */
    static SimpleModule module() {
        return new SimpleModule("teleport-floats-from-numbers")
                .addDeserializer(Double.TYPE, new Doubles(Double.TYPE, 0.0))
                .addDeserializer(Double.class, new Doubles(Double.class, null))
                .addDeserializer(Float.TYPE, new Floats(Float.TYPE, 0.0f))
                .addDeserializer(Float.class, new Floats(Float.class, null));
    }

    private static final class Doubles extends NumberDeserializers.DoubleDeserializer {

        Doubles(Class<Double> type, Double nullValue) {
            super(type, nullValue);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return (Double) ctxt.handleUnexpectedToken(handledType(), p);
            }
            return super.deserialize(p, ctxt);
        }
    }

    private static final class Floats extends NumberDeserializers.FloatDeserializer {

        Floats(Class<Float> type, Float nullValue) {
            super(type, nullValue);
        }

        @Override
        public Float deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                return (Float) ctxt.handleUnexpectedToken(handledType(), p);
            }
            return super.deserialize(p, ctxt);
        }
    }
}
