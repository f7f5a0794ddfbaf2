package io.teleport.limits;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks a duration a user gave (a setting, a shutdown's timeout, a plugin's rate) and caps it at
 * {@link #LONGEST}. A configuration that means "forever" by a huge value ({@code 1000000d}) would
 * otherwise make {@link Duration#toNanos()} overflow, past 292 years, when the peer starts or a
 * connection opens; and the nanosecond arithmetic done with a timeout (a deadline from
 * {@link System#nanoTime()}, three heartbeat rates, a drain's timeout plus a second) must stay within
 * a long for every value let through.
 */
public final class DurationSettings {

    /** The longest any duration setting counts as: fifty years, as good as never for a peer. */
    public static final Duration LONGEST = Duration.ofDays(50L * 365);

    private DurationSettings() {
    }

    /** {@code d} at most {@link #LONGEST}. */
    public static Duration capped(Duration d) {
        return d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }

    /**
     * {@code d}, capped, when it is zero or more.
     *
     * @throws IllegalArgumentException naming the setting, for a negative one
     */
    public static Duration nonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
        }
        return capped(d);
    }

    /**
     * {@code d}, capped, when it is more than zero.
     *
     * @throws IllegalArgumentException naming the setting, for zero or a negative one
     */
    public static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return capped(d);
    }
}
