package io.teleport.internal.log;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One WARN line per interval for a kind of refusal, with how many there were since the last line,
 * instead of one line per refused message: a flood must not become a flood of log.
 */
public final class RefusalLog {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String what;
    private final LongAdder count = new LongAdder();
    private final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());

    public RefusalLog(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    /** Counts one refusal; writes a line when the interval since the last one has passed. */
    public void record(String latest) {
        record(latest, null);
    }

    /**
     * Counts one; writes a line, with {@code cause}'s stack when there is one, when the interval since
     * the last line has passed. The first one is written at once.
     */
    public void record(String latest, @Nullable Throwable cause) {
        count.increment();
        long now = System.nanoTime();
        long next = nextLineAt.get();
        if (now - next >= 0 && nextLineAt.compareAndSet(next, now + INTERVAL_NANOS)) {
            long n = count.sumThenReset();
            String line = "{}: {} since the last report (at most one line per {} s; latest: {})";
            long seconds = TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS);
            if (cause == null) {
                log.warn(line, what, n, seconds, latest);
            } else {
                log.warn(line, what, n, seconds, latest, cause);
            }
        }
    }
}
