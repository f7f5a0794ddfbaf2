package io.teleport.internal.limits;

import io.teleport.internal.log.RefusalLog;
import io.teleport.internal.log.RefusalLogs;
import io.teleport.limits.Limits;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Places for this side's pulls awaiting their replies, per session and for the whole peer
 * ({@link Limits#maxPendingPullsPerSession()}, {@link Limits#maxPendingPulls()}). A remote peer that
 * reads pulls and never answers makes each one the application sends it wait out its timeout; without
 * places, as many as the application's rate times the timeout, until the heap runs out. A pull takes
 * a place before it is written and gives it back whichever way it ends; one that finds none fails at
 * once, not sent, and is counted. The peer-wide bound counts the pulls beyond the first of each
 * session: sessions are bounded already, and the common case (one pull at a time on each) then
 * touches no counter that all sessions share. Once more than half of those places are taken, a
 * session may hold at most its share of half of them (half over the sessions holding any), so that
 * sessions whose peers never answer cannot take the places of those whose peers do.
 */
public final class PendingPullPlaces {

    private static final Logger log = LoggerFactory.getLogger(PendingPullPlaces.class);

    private final int perSession;
    private final long max;
    /** Pulls beyond the first of their session, over all sessions: what {@link #max} bounds. */
    private final AtomicLong beyondFirst = new AtomicLong();
    /** Sessions holding places beyond their first: the share of each is counted by them. */
    private final AtomicInteger holders = new AtomicInteger();
    /** All pulls waiting, for the gauge: adds that do not contend. */
    private final LongAdder waiting = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final RefusalLog refusalLog;

    public PendingPullPlaces(Limits limits, RefusalLogs logs) {
        this.perSession = limits.maxPendingPullsPerSession();
        this.max = limits.maxPendingPulls();
        this.refusalLog = logs.open(log, "pulls not sent while others await replies (limits.max-pending-pulls"
                + "[-per-session], its share of it, or a seq still awaited), failed (104)");
    }

    /**
     * Takes a place for a pull of a session that, counting it, has {@code sessionPulls} awaiting replies;
     * {@code null} when it may wait for its reply, else why not. Either way the place is held until
     * {@link #give}n back with the session's count as it then is: a count taken back at another level
     * than it was raised at (a pull of the session ended meanwhile) must give back what that level holds.
     */
    public @Nullable String take(int sessionPulls) {
        waiting.increment();
        if (sessionPulls > 1) {
            int holding = sessionPulls == 2 ? holders.incrementAndGet() : holders.get();
            long taken = beyondFirst.incrementAndGet();
            String over = sessionPulls > perSession ? perSession + " pulls of the session await replies, its limit"
                    + " (limits.max-pending-pulls-per-session)"
                    : taken > max ? max + " pulls of the peer beyond the first of each session await replies, its"
                    + " limit (limits.max-pending-pulls)"
                    : taken > max / 2 && sessionPulls - 1 > max / (2L * Math.max(1, holding)) ? (sessionPulls - 1)
                    + " pulls of the session beyond its first await replies, its share of limits.max-pending-pulls while"
                    + " more than half of them are taken (" + holding + " sessions hold some)" : null;
            if (over != null) {
                refused.increment();
            }
            return over;
        }
        return null;
    }

    /** A pull that held a place ended, or was refused one; its session had {@code sessionPulls} waiting, counting it. */
    public void give(int sessionPulls) {
        waiting.decrement();
        if (sessionPulls > 1) {
            beyondFirst.decrementAndGet();
            if (sessionPulls == 2) {
                holders.decrementAndGet();
            }
        }
    }

    /** The places beyond the first of each session taken now, and the sessions holding them: "0/0" when none wait. */
    public String shared() {
        return beyondFirst.get() + "/" + holders.get();
    }

    /** Records a refused pull ({@code what}: its URI and session) in the peer's log of refusals. */
    public void logRefused(String what) {
        refusalLog.record(what);
    }

    long taken() {
        return waiting.sum();
    }

    long refused() {
        return refused.sum();
    }
}
