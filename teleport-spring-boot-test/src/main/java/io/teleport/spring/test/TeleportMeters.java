package io.teleport.spring.test;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;

/**
 * Waits for the server side's meters. A pull's reply reaches the client before the server has
 * recorded the call (the timer stops once the reply is written), so a test that reads a meter right
 * after a pull sees the count of a moment before. This polls the registry until the count is
 * reached, returning as soon as it is, instead of a sleep that is either too short or wasted.
 */
public final class TeleportMeters {

    private final MeterRegistry registry;
    private final Duration timeout;

    /** Meters of {@code registry}, waited for at most {@code timeout}. */
    public TeleportMeters(MeterRegistry registry, Duration timeout) {
        this.registry = registry;
        this.timeout = timeout;
    }

    /**
     * Waits until the meters named {@code name} with these tags count at least {@code count} in
     * total (the count of timers, counters and summaries alike), and returns the total then.
     *
     * @param tags tag keys and values in pairs, such as {@code "route", "/stock/item"}
     * @throws AssertionError when the count is not reached within the timeout
     */
    public long awaitCount(String name, long count, String... tags) {
        try {
            return Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> count(name, tags), total -> total >= count);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + " " + String.join(",", tags) + " counted " + count(name, tags)
                    + " within " + timeout + ", expected " + count, e);
        }
    }

    /** Waits until the server has handled {@code count} pulls of {@code route} ({@code teleport.pull.handle}). */
    public long awaitPullsHandled(String route, long count) {
        return awaitCount("teleport.pull.handle", count, "route", route);
    }

    /**
     * Waits until the server has handled {@code count} pushes to {@code route} ({@code teleport.push.handle}):
     * their handlers have returned (for a handler that returns a {@code CompletionStage}, returned
     * the stage), so what they did is there to see.
     */
    public long awaitPushesHandled(String route, long count) {
        return awaitCount("teleport.push.handle", count, "route", route);
    }

    /** The total count of the meters named {@code name} with these tags now; 0 when there are none. */
    public long count(String name, String... tags) {
        long total = 0;
        for (Meter meter : registry.find(name).tags(tags).meters()) {
            for (Measurement m : meter.measure()) {
                if (m.getStatistic() == Statistic.COUNT) {
                    total += (long) m.getValue();
                }
            }
        }
        return total;
    }
}
