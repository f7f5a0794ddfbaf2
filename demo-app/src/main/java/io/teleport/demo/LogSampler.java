package io.teleport.demo;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which of many like events get a log line: each of the first {@value #FIRST}, then one in a thousand.
 * The remote peer decides how many calls and pushes come, so a line per event would let it decide how
 * much this process logs.
 */
public final class LogSampler {

    /** Events logged each. */
    public static final int FIRST = 100;

    private final AtomicLong count = new AtomicLong();

    /** Counts one more event: its number when a line is written for it, 0 when not. */
    public long next() {
        long n = count.incrementAndGet();
        return logs(n) ? n : 0;
    }

    /** Whether the {@code n}th event (from 1) gets a line. */
    public static boolean logs(long n) {
        return n <= FIRST || n % 1000 == 0;
    }

    /** How the {@code n}th event's line says how many came: nothing for the first ones. */
    public static String ofAll(long n) {
        return n <= FIRST ? "" : " (" + n + " in all)";
    }
}
