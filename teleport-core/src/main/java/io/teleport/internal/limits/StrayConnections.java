package io.teleport.internal.limits;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted connections that have said nothing yet, which the {@link AcceptGate} closes to make room
 * once it is at {@code max-connections}. Otherwise each waited out its {@code handshake-timeout}: a
 * host that kept the places filled with silent connections, opening a new one for each closed, held
 * every new client in the backlog for that long, again and again. At the bound, one that sent not a
 * byte for a tenth of the timeout, at least a second (a client sends its first frame, or its TLS hello,
 * within milliseconds), is a stray.
 */
public final class StrayConnections {

    /** An accepted connection for as long as it may be a stray. */
    public interface Candidate {

        /** Open, and not a byte read from it or written to it. */
        boolean silent();

        /** When it was accepted ({@link System#nanoTime()}). */
        long acceptedNanos();

        /** Closes it, counted and logged as a stray. */
        void closeAsStray();
    }

    private final Set<Candidate> candidates = ConcurrentHashMap.newKeySet();
    private final long minAgeNanos;

    /** Strays are those silent for {@code minAgeNanos}; 0 or less: none ever is (no handshake timeout). */
    StrayConnections(long minAgeNanos) {
        this.minAgeNanos = minAgeNanos;
    }

    /** Whether strays are closed at all. */
    public boolean enabled() {
        return minAgeNanos > 0;
    }

    /** {@code c} was accepted. */
    public void add(Candidate c) {
        if (enabled()) {
            candidates.add(c);
        }
    }

    /** {@code c} closed. */
    public void remove(Candidate c) {
        candidates.remove(c);
    }

    /** How long a connection says nothing before it is a stray. */
    long minAgeNanos() {
        return minAgeNanos;
    }

    /**
     * Closes the silent candidates old enough, and forgets those that spoke (they never become silent
     * again); returns the nanoseconds until the next one still silent is old enough, or -1 when none is.
     */
    long sweep() {
        long now = System.nanoTime();
        long next = -1;
        for (Iterator<Candidate> it = candidates.iterator(); it.hasNext();) {
            Candidate c = it.next();
            if (!c.silent()) {
                it.remove();
                continue;
            }
            long wait = minAgeNanos - (now - c.acceptedNanos());
            if (wait <= 0) {
                it.remove();
                c.closeAsStray();
            } else {
                next = next < 0 ? wait : Math.min(next, wait);
            }
        }
        return next;
    }
}
