package io.teleport.internal.log;

import io.netty.util.concurrent.GlobalEventExecutor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per interval (WARN, or the level of the lines it counts) for a kind of refusal, with how many there were since the last line,
 * instead of one line per refused message: a flood must not become a flood of log. What a burst
 * counts after its first line is written once the interval ends, even if nothing more comes; the
 * line is scheduled on Netty's global executor, whose one thread ends when it has nothing to do (it
 * is not a daemon, so {@link #close()} cancels the line: a JVM whose peers are shut down can exit).
 */
public final class RefusalLog {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final String what;
    /** WARN for refusals; INFO for counts of lines left out that were INFO themselves. */
    private final Level level;
    private final long intervalNanos;
    private final LongAdder count = new LongAdder();
    private final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());
    /** Whether a line for what is counted and not yet written is scheduled. */
    private final AtomicBoolean lineDue = new AtomicBoolean();
    private volatile String latest = "";
    /** Once its peer is shut down: what is still counted is written then, and nothing after. */
    private volatile boolean closed;
    /** The line scheduled, cancelled at close: the global executor's thread keeps a JVM from exiting. */
    private volatile io.netty.util.concurrent.@Nullable Future<?> scheduled;

    public RefusalLog(Logger log, String what) {
        this(log, what, Level.WARN, INTERVAL_NANOS);
    }

    /** Lines at {@code level}. */
    public RefusalLog(Logger log, String what, Level level) {
        this(log, what, level, INTERVAL_NANOS);
    }

    /** With another interval: tests. */
    RefusalLog(Logger log, String what, long intervalNanos) {
        this(log, what, Level.WARN, intervalNanos);
    }

    private RefusalLog(Logger log, String what, Level level, long intervalNanos) {
        this.log = log;
        this.what = what;
        this.level = level;
        this.intervalNanos = intervalNanos;
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
        this.latest = latest;
        if (!writeIfDue(latest, cause)) {
            scheduleLine();
        }
    }

    /** Writes the line if the interval has passed; whether it did. */
    private boolean writeIfDue(String latest, @Nullable Throwable cause) {
        long now = System.nanoTime();
        long next = nextLineAt.get();
        if (now - next < 0 || !nextLineAt.compareAndSet(next, now + intervalNanos)) {
            return false;
        }
        long n = count.sumThenReset();
        if (n == 0) {
            return true;
        }
        String line = "{}: {} since the last report (at most one line per {} s; latest: {})";
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(intervalNanos));
        if (cause == null) {
            log.atLevel(level).log(line, what, n, seconds, latest);
        } else {
            log.atLevel(level).setCause(LoggedThrowable.of(cause)).log(line, what, n, seconds, latest);
        }
        return true;
    }

    /** Writes what is counted and not yet written, and schedules no more lines: its peer is shut down. */
    public void close() {
        closed = true;
        io.netty.util.concurrent.Future<?> line = scheduled;
        if (line != null) {
            line.cancel(false);
        }
        long n = count.sumThenReset();
        if (n > 0) {
            log.atLevel(level).log("{}: {} since the last report (latest: {})", what, n, latest);
        }
    }

    /** Counted within the interval: a line for it once the interval ends, unless one is scheduled. */
    private void scheduleLine() {
        if (closed || !lineDue.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(1, nextLineAt.get() - System.nanoTime());
        try {
            scheduled = GlobalEventExecutor.INSTANCE.schedule(() -> {
                lineDue.set(false);
                if (!closed && !writeIfDue(latest, null) && count.sum() > 0) {
                    // Another line was written meanwhile, and more came after it.
                    scheduleLine();
                }
            }, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            lineDue.set(false);
        }
    }
}
