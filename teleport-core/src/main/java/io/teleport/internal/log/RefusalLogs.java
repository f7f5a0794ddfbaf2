package io.teleport.internal.log;

import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.List;

/**
 * The refusal logs of one peer, made here so that its shutdown closes every one of them: a log left
 * open writes what it counted ten seconds later, from a peer long gone, and its scheduled line keeps
 * the JVM from exiting that long.
 */
public final class RefusalLogs {

    // Guarded by this.
    private final List<RefusalLog> logs = new ArrayList<>();
    private boolean closed;

    /** A refusal log of this peer; one made after {@link #close()} is closed at once. */
    public synchronized RefusalLog open(Logger log, String what) {
        return open(log, what, org.slf4j.event.Level.WARN);
    }

    /** {@link #open(Logger, String)} with lines at {@code level}. */
    public synchronized RefusalLog open(Logger log, String what, org.slf4j.event.Level level) {
        RefusalLog refusals = new RefusalLog(log, what, level);
        if (closed) {
            refusals.close();
        } else {
            logs.add(refusals);
        }
        return refusals;
    }

    /** The peer is shut down: what every log still counts is written, and nothing after. */
    public synchronized void close() {
        closed = true;
        logs.forEach(RefusalLog::close);
        logs.clear();
    }
}
