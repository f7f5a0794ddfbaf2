package io.teleport.plugins;

import io.teleport.session.Session;
import org.slf4j.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link AuthPlugin} refused: counted for meters, and logged at WARN once per interval with how
 * many since the last line, so that a client with a wrong token is visible at default log levels while
 * a peer that retries without end cannot flood the log. The refusals of a burst after its first line
 * are written when the interval ends (a security signal must not read "1 time" when there were 3).
 * The core's own refusal logs ({@code internal.log.RefusalLog}, closed with their peer) are not
 * reachable from a plugin (see {@code LayeringTest}): the line at the interval's end is written from
 * the JDK's delaying thread, and a peer that stopped meanwhile may still have it written.
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
    /** The latest refusal, for the line that reports it. */
    private volatile String latest = "";
    /** Whether a line is due at the interval's end for refusals not written yet. */
    private final AtomicBoolean lineScheduled = new AtomicBoolean();

    AuthRefusals(Logger log) {
        this.log = log;
    }

    /** How many there were. */
    long count() {
        return count.sum();
    }

    /** Counts a refusal on {@code session}, and writes a line now or at the end of the interval. */
    void record(Session session, String why) {
        count.increment();
        String detail = why.length() > MAX_DETAIL ? why.substring(0, MAX_DETAIL) + "..." : why;
        latest = "session " + session.id() + " from " + session.remoteAddress() + ": " + detail;
        if (!writeLineIfDue()) {
            log.debug("auth refused {} ({}): {}", session.id(), session.remoteAddress(), detail);
            scheduleLine();
        }
    }

    /** A line at the end of the interval, unless one is due already; again then if refusals came meanwhile. */
    private void scheduleLine() {
        if (lineScheduled.compareAndSet(false, true)) {
            long wait = Math.max(0, nextLineAt.get() - System.nanoTime());
            CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS).execute(() -> {
                lineScheduled.set(false);
                // A refusal that found this line scheduled, after the one that wrote the last line, waits for the next.
                if (!writeLineIfDue() && count.sum() != countAtLastLine) {
                    scheduleLine();
                }
            });
        }
    }

    /** Writes the line of the refusals since the last one, if the interval has passed and there are any. */
    private boolean writeLineIfDue() {
        long due = nextLineAt.get();
        if (System.nanoTime() - due < 0 || count.sum() == countAtLastLine
                || !nextLineAt.compareAndSet(due, System.nanoTime() + INTERVAL_NANOS)) {
            return false;
        }
        long total = count.sum();
        long since = total - countAtLastLine;
        countAtLastLine = total;
        log.warn("auth refused {} time(s) since the last line (one line per {} s at most); the latest: {}", since,
                TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS), latest);
        return true;
    }
}
