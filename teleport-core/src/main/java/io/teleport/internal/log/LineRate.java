package io.teleport.internal.log;

import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many lines of one kind a peer writes whole in each window; the rest are left out and counted
 * in a {@link RefusalLog} (one line per 10 s, at the level it was opened with). For lines whose number
 * others decide: the message log's entries (a remote's messages, {@link
 * io.teleport.limits.Limits#messageLogRate()}), its slow-call alarms, and the lines
 * said once per session as it dials and redials (a process of a thousand simulated devices loses a
 * thousand connections when its server restarts). A window restarts with the first line after it, so
 * up to twice the number may pass across the end of one window and the start of the next.
 */
public final class LineRate {

    /** Lines per window; 0 for no bound. */
    private final int perWindow;
    private final long windowNanos;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger written = new AtomicInteger();
    private final RefusalLog leftOut;

    /** {@code perWindow} lines per {@code windowNanos} (0: all); the rest counted in {@code leftOut}. */
    public LineRate(int perWindow, long windowNanos, RefusalLog leftOut) {
        this.perWindow = perWindow;
        this.windowNanos = windowNanos;
        this.leftOut = leftOut;
    }

    /** Whether a line may be written now; if not, {@link #leftOut} is to be told. */
    public boolean admit() {
        if (perWindow == 0) {
            return true;
        }
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= windowNanos && windowStart.compareAndSet(start, now)) {
            written.set(0);
        }
        return written.incrementAndGet() <= perWindow;
    }

    /** A line {@link #admit} refused, {@code latest} naming it, is counted. */
    public void leftOut(String latest) {
        leftOut.record(latest);
    }

    /** Writes {@code format} with {@code args} at {@code level} if it is within the rate, else counts it ({@code latest}). */
    public void say(Logger log, Level level, String latest, String format, Object... args) {
        if (admit()) {
            log.atLevel(level).log(format, args);
        } else {
            leftOut(latest);
        }
    }

    /** {@link #say} at INFO. */
    public void info(Logger log, String latest, String format, Object... args) {
        say(log, Level.INFO, latest, format, args);
    }

    /** {@link #say} at WARN. */
    public void warn(Logger log, String latest, String format, Object... args) {
        say(log, Level.WARN, latest, format, args);
    }
}
