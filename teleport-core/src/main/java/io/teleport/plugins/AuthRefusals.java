package io.teleport.plugins;

import io.teleport.session.Session;
import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link AuthPlugin} refused: counted for meters, and logged at WARN once per interval with how
 * many since the last line, so that a client with a wrong token is visible at default log levels while
 * a peer that retries without end cannot flood the log. The core's own refusal logs
 * ({@code internal.log.RefusalLog}, closed with their peer) are not reachable from a plugin (see
 * {@code LayeringTest}); unlike them, a burst's count after its first line is written with the next
 * refusal, not when the interval ends.
 */
final class AuthRefusals {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The verifier's error may be long: the rest adds nothing to the line. */
    private static final int MAX_DETAIL = 120;

    private final Logger log;
    private final LongAdder count = new LongAdder();
    private final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());
    /** The count the last line was written at; written only by the thread that won the line. */
    private volatile long countAtLastLine;

    AuthRefusals(Logger log) {
        this.log = log;
    }

    /** How many there were. */
    long count() {
        return count.sum();
    }

    /** Counts a refusal on {@code session}, and writes a line if the interval since the last one has passed. */
    void record(Session session, String why) {
        count.increment();
        String detail = why.length() > MAX_DETAIL ? why.substring(0, MAX_DETAIL) + "..." : why;
        long now = System.nanoTime();
        long due = nextLineAt.get();
        if (now - due < 0 || !nextLineAt.compareAndSet(due, now + INTERVAL_NANOS)) {
            log.debug("auth refused {} ({}): {}", session.id(), session.remoteAddress(), detail);
            return;
        }
        long total = count.sum();
        long since = total - countAtLastLine;
        countAtLastLine = total;
        log.warn("auth refused {} time(s) since the last line (one line per {} s at most); the latest: session {} "
                + "from {}: {}", since, TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS), session.id(),
                session.remoteAddress(), detail);
    }
}
