package io.teleport.spring.autoconfigure;

import io.teleport.spring.diagnostics.TeleportConfigurationException;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

/**
 * The range checks of bound {@code teleport.*} values. A value out of range fails start-up with a
 * {@link TeleportConfigurationException} naming its key, the value as properties write it ({@code -3s},
 * {@code 3GB}, not {@code PT-3S} or {@code 3221225472B}) and what to set instead.
 */
final class PropertyChecks {

    private PropertyChecks() {
    }

    /**
     * {@code value}, when set, must not be a placeholder left as it was written: Spring binds
     * {@code ${TELEPORT_TOKEN}} literally when nothing defines it, and a secret would then be that text.
     */
    static void resolved(String value, String key) {
        if (value != null && value.contains("${")) {
            throw new TeleportConfigurationException(key, value + " is a placeholder that nothing resolved",
                    "Define what it names (an environment variable or a property), give it a default such as "
                            + "${TELEPORT_TOKEN:}, or remove " + key + ".", null);
        }
    }

    /** An accepted token must not be blank: any client could send one (an unset variable leaves it so). */
    static void notBlankToken(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new TeleportConfigurationException(key, "\"" + (value == null ? "" : value) + "\" (blank)",
                    "A blank accepted token would let in any client that sends a blank one: set the token, or remove "
                            + key + ".", null);
        }
    }

    /** {@code d} must be above zero. */
    static void positive(Duration d, String key) {
        positive(d, key, "for the default");
    }

    /** {@code d} must be above zero; removing the key does what {@code unset} says. */
    static void positive(Duration d, String key, String unset) {
        if (d.isNegative() || d.isZero()) {
            throw new TeleportConfigurationException(key, written(d) + " (expected: > 0)",
                    "Set " + key + " to a duration above zero, such as 10s, or remove it " + unset + ".", null);
        }
    }

    /** {@code d} must not be negative; 0 is allowed (for these settings it turns the wait off). */
    static void notNegative(Duration d, String key) {
        if (d.isNegative()) {
            throw new TeleportConfigurationException(key, written(d) + " (expected: >= 0)",
                    "Set " + key + " to 0 or a duration such as 10s, or remove it for the default.", null);
        }
    }

    /** {@code value} must be at least {@code min}. */
    static void atLeast(long value, long min, String key) {
        if (value < min) {
            throw new TeleportConfigurationException(key, value + " (expected: >= " + min + ")",
                    "Set " + key + " to " + min + " or more, or remove it for the default.", null);
        }
    }

    /** {@code size}, when set, must be within {@code min} bytes and 2GB (an {@code int} of bytes). */
    static void sizeWithin(DataSize size, long min, String key) {
        if (size != null && (size.toBytes() < min || size.toBytes() > Integer.MAX_VALUE)) {
            String range = written(DataSize.ofBytes(min)) + " to 2GB";
            throw new TeleportConfigurationException(key, written(size) + " (expected: " + range + ")",
                    "Set " + key + " to a size from " + range + ", such as 64KB, or remove it for the default.", null);
        }
    }

    /** A duration as properties write it: in the largest of d, h, m, s, ms, us, ns that it is a whole number of. */
    static String written(Duration d) {
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) {
            return d.toSeconds() + "s";
        }
        if (nanos == 0) {
            return "0s";
        }
        long[] units = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        String[] names = {"d", "h", "m", "s", "ms", "us"};
        for (int i = 0; i < units.length; i++) {
            if (nanos % units[i] == 0) {
                return nanos / units[i] + names[i];
            }
        }
        return nanos + "ns";
    }

    /** A size as properties write it: in the largest of TB, GB, MB, KB that it is a whole number of, else B. */
    static String written(DataSize size) {
        long bytes = size.toBytes();
        long[] units = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
        String[] names = {"TB", "GB", "MB", "KB"};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % units[i] == 0) {
                return bytes / units[i] + names[i];
            }
        }
        return bytes + "B";
    }
}
