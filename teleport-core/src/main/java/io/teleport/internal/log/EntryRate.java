package io.teleport.internal.log;

import io.teleport.limits.Limits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many entries the per-message log may write in each second ({@link Limits#messageLogRate()}):
 * the log is written for messages a remote peer sends, so without a bound a flood of them is a flood
 * of log. Entries past it are left out and counted in the peer's refusal log (one WARN line per 10 s).
 * The second is a window that the first entry after it restarts, so the bound may let through up to
 * twice the rate across the end of one window and the start of the next.
 */
final class EntryRate {

    private static final long SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Entries per window; 0 for no bound. */
    private final int perSecond;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger written = new AtomicInteger();
    private final RefusalLog leftOut;

    EntryRate(int perSecond, RefusalLog leftOut) {
        this.perSecond = perSecond;
        this.leftOut = leftOut;
    }

    /** Whether an entry of {@code kind} for {@code uri} may be written now; if not, it is counted as left out. */
    boolean admit(MessageKind kind, String uri, int valueLimit) {
        if (perSecond == 0) {
            return true;
        }
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= SECOND_NANOS && windowStart.compareAndSet(start, now)) {
            written.set(0);
        }
        if (written.incrementAndGet() <= perSecond) {
            return true;
        }
        leftOut.record(kind.text + " " + LogText.safe(uri, valueLimit));
        return false;
    }
}
