package io.teleport.codec;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.deser.std.StdScalarDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdScalarSerializer;

import java.time.Duration;

/**
 * {@link Duration} as Go's {@code encoding/json} has a {@code time.Duration}: a whole number of
 * nanoseconds, both ways. Jackson's own reads a number as seconds and writes {@code "PT1.5S"}, so a Go
 * peer's {@code 1500000000} (1.5 s) was read as 47 years, and what this side wrote no Go peer could read.
 * A duration past what Go's {@code int64} of nanoseconds holds (about 292 years) is refused both ways.
 */
final class GoDurations {

    private GoDurations() {
    }

    /** The reader and the writer. */
    static SimpleModule module() {
        return new SimpleModule("teleport-go-durations")
                .addDeserializer(Duration.class, new Reader())
                .addSerializer(Duration.class, new Writer());
    }

    private static final class Reader extends StdScalarDeserializer<Duration> {

        Reader() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws JacksonException {
            if (!p.hasToken(JsonToken.VALUE_NUMBER_INT)) {
                // A string ("PT1S", "1s") or a fraction: Go reads neither into a time.Duration.
                return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
            }
            // Past a long: the parser's own out-of-range error, with the field's path.
            return Duration.ofNanos(p.getLongValue());
        }
    }

    private static final class Writer extends StdScalarSerializer<Duration> {

        Writer() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializationContext ctxt) throws JacksonException {
            long nanos;
            try {
                nanos = value.toNanos();
            } catch (ArithmeticException tooLong) {
                throw DatabindException.from(gen, "unsupported value: " + value + " (past Go's time.Duration, an int64"
                        + " of nanoseconds)");
            }
            gen.writeNumber(nanos);
        }
    }
}
