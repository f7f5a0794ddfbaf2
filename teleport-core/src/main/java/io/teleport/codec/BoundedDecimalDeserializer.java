package io.teleport.codec;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.deser.jdk.NumberDeserializers;

import java.math.BigDecimal;

/**
 * Reads a {@link BigDecimal} as Jackson does (its own deserializer: empty value and coercions stay), and
 * refuses one whose scale is larger, either way, than a number's text may be long
 * ({@code maxNumberLength}, 1,000 by default): eleven bytes such as
 * {@code 1e-10000000} are a valid number whose first {@code add} in a handler builds a ten-million-digit
 * value, seconds of CPU and much of a small heap. Jackson bounds the scale when it makes a
 * {@code BigInteger}, not a {@code BigDecimal}. A value written out in full never has such a scale.
 */
final class BoundedDecimalDeserializer extends NumberDeserializers.BigDecimalDeserializer {

    @Override
    public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
        BigDecimal value = super.deserialize(p, ctxt);
        int max = p.streamReadConstraints().getMaxNumberLength();
        if (value != null && Math.abs((long) value.scale()) > max) {
            throw new StreamConstraintsException("BigDecimal scale (" + value.scale()
                    + ") magnitude exceeds the maximum allowed (" + max + ")", p.currentLocation());
        }
        return value;
    }
}
