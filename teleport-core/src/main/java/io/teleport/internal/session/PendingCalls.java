package io.teleport.internal.session;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.teleport.internal.limits.PendingPullPlaces;
import io.teleport.message.Rerror;
import io.teleport.proto.ErpcRawProto;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * This side's pulls on one session that wait for their reply, by seq. Whoever removes a pull
 * (the reply, its timer, a failed write, the closing connection) is the one that completes it, so
 * each ends exactly once.
 *
 * <p>A session mostly has one pull outstanding at a time (a caller waiting for its answer before it
 * asks again), so a pull goes into a single slot when that is free and into the map only while
 * another one waits: the common case costs a compare-and-set instead of a map entry, a boxed seq
 * and the map's lock. A pull stays where {@link #add} put it, so each is removed from one place.
 *
 * <p>The session's pulls share one timeout, armed for the earliest deadline among them rather than
 * one per pull: a pull then costs a volatile read, where a timeout of its own cost a timer entry, the
 * timer's queues and a cancel on every reply. When it fires, it ends the pulls whose deadline passed
 * and arms itself again for the earliest of the others. A pull whose deadline comes before the armed
 * one (a shorter timeout of its own) arms it earlier.
 */
final class PendingCalls {

    private static final Logger log = LoggerFactory.getLogger(PendingCalls.class);

    private static final AtomicReferenceFieldUpdater<PendingCalls, PendingPull> SLOT =
            AtomicReferenceFieldUpdater.newUpdater(PendingCalls.class, PendingPull.class, "slot");

    /** One waiting pull, when it is the only one or the first to find this free. */
    private volatile @Nullable PendingPull slot;
    /** Made by the first pull that found the slot taken: most sessions never need it. */
    private volatile @Nullable ConcurrentHashMap<Long, PendingPull> bySeq;
    /**
     * The latest pull of the auth handshake, for the one reply matched by its URI rather than its seq
     * (erpc v6's AUTH_REPLY): found at once, so that such replies, even a flood of them, cost no scan.
     */
    private volatile @Nullable PendingPull handshake;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<PendingCalls> UNANSWERED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(PendingCalls.class, "unanswered");
    /** More late replies than this are not waited for, whatever ended without one. */
    static final int MAX_LATE_REPLIES = 1 << 16;
    /**
     * Replies to no pull a session takes before it counts them as a broken protocol: a Go peer writes
     * the replies to pulls of a connection that broke on the one it redialed, where they answer nothing
     * (a Go client redialing a server that had a hundred pulls in flight to it writes a hundred). Such a
     * reply costs what a push to an unknown route costs, and the decoder's turn share bounds either;
     * a flood past this many still closes the connection. Only replies without transfer filters: a
     * gzipped one was inflated to be read at all.
     */
    static final int STRAY_REPLIES = 1024;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<PendingCalls> STRAYS =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(PendingCalls.class, "strays");
    /**
     * Pulls that ended without their reply (timed out, failed): the replies the other side may still
     * send, late. A reply beyond them (and the strays) answers no pull this side ever made: the other side breaks the
     * protocol (a flood of such replies, each maybe a gzip member to inflate, costs this side's I/O
     * thread and passes every bound that the messages it handles are held to).
     */
    private volatile int unanswered;
    /** What is left of {@link #STRAY_REPLIES}. */
    private volatile int strays = STRAY_REPLIES;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<PendingCalls> NESTED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(PendingCalls.class, "nested");
    /** Pulls made by handlers of this session on it, not yet ended (see {@link NestedCalls}). */
    private volatile int nested;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<PendingCalls> COUNT =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(PendingCalls.class, "count");
    /** Pulls waiting here, each holding one of the peer's {@link #places}. */
    private volatile int count;
    private final PendingPullPlaces places;
    final RemoteDrain remoteDrain = new RemoteDrain();
    /** The session's timeout as armed last; null while none is. Replaced under this lock. */
    private volatile @Nullable Armed armed;

    /**
     * One arming of the session's timeout: the deadline ({@link System#nanoTime()}) it fires for, and
     * the peer's timer, to arm again with (an application's may wrap the one {@link Timeout#timer()}
     * names). An object of its own, so that the firing of the armed one is told from that of one it
     * replaced by identity, whatever {@link Timeout} the timer hands its task.
     */
    private final class Armed implements TimerTask {
        final long deadline;
        final Timer timer;
        /** Set and read under the lock of the pending calls. */
        @Nullable Timeout timeout;

        Armed(long deadline, Timer timer) {
            this.deadline = deadline;
            this.timer = timer;
        }

        @Override
        public void run(Timeout t) {
            fire(this);
        }

        void cancel() {
            Timeout t = timeout;
            if (t != null) {
                t.cancel();
            }
        }
    }

    PendingCalls(PendingPullPlaces places) {
        this.places = places;
    }

    private ConcurrentHashMap<Long, PendingPull> map() {
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        if (map == null) {
            synchronized (this) {
                map = bySeq;
                if (map == null) {
                    bySeq = map = new ConcurrentHashMap<>();
                }
            }
        }
        return map;
    }

    /**
     * Adds a pull, if the session and the peer have a place for it, then makes sure {@code timer} will
     * end it at its deadline.
     *
     * @return {@code null} once added, else why it was not (too many pulls await replies)
     * @throws IllegalStateException the timer is stopped (the pull stays added)
     * @throws RejectedExecutionException the timer refused a timeout (the pull stays added)
     */
    @Nullable String add(PendingPull pull, Timer timer) {
        String full = places.take(COUNT.incrementAndGet(this));
        if (full != null) {
            left();
            return full;
        }
        if (!SLOT.compareAndSet(this, null, pull) && map().putIfAbsent(pull.key(), pull) != null) {
            // A seq that wrapped round (erpc v6's are 32 bits) to one still waiting: that one keeps it.
            left();
            return "seq " + pull.seq + " still awaits the reply to an earlier pull";
        }
        if (ErpcRawProto.AUTH_URI.equals(pull.request.uri())) {
            handshake = pull;
        }
        // Added first: a timeout that fires from here on finds the pull (see fire).
        Armed a = armed;
        if (a == null || pull.deadlineNanos - a.deadline < 0) {
            arm(pull.deadlineNanos, pull.timeoutNanos, timer);
        }
        return null;
    }

    /** A pull left: its place goes back. */
    private void left() {
        places.give(COUNT.getAndDecrement(this));
    }

    /** Takes {@code pull} out of the slot if it is there (its place goes back); whether it was. */
    private boolean unslot(PendingPull pull) {
        if (SLOT.compareAndSet(this, pull, null)) {
            left();
            return true;
        }
        return false;
    }

    /** Takes {@code pull} out of {@code map} if it is there (its place goes back); whether it was. */
    private boolean unmap(@Nullable ConcurrentHashMap<Long, PendingPull> map, PendingPull pull) {
        if (map != null && map.remove(pull.key(), pull)) {
            left();
            return true;
        }
        return false;
    }

    /**
     * Arms the timeout for {@code deadline}, {@code delayNanos} from now, unless one is armed for no
     * later: the pulls it finds pending when it fires include every pull added before this.
     */
    private void arm(long deadline, long delayNanos, Timer timer) {
        synchronized (this) {
            Armed a = armed;
            if (a != null && a.deadline - deadline <= 0) {
                return;
            }
            Armed fresh = new Armed(deadline, timer);
            fresh.timeout = timer.newTimeout(fresh, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
            armed = fresh;
            if (a != null) {
                a.cancel();
            }
        }
    }

    /** A deadline came: ends the pulls whose deadline passed, and arms for the next one. */
    private void fire(Armed fired) {
        long now = System.nanoTime();
        synchronized (this) {
            if (armed == fired) {
                // Cleared before looking at the pulls, so that one added meanwhile, which saw no timeout
                // armed, arms one of its own, and one that saw this one is among the pulls looked at.
                armed = null;
                if (fired.deadline - now > 0) {
                    // The timer's word that the deadline came, on whatever clock it keeps (a test's,
                    // an application's).
                    now = fired.deadline;
                }
            }
        }
        List<PendingPull> due = new ArrayList<>();
        long next = 0;
        boolean waiting = false;
        for (PendingPull pull : pulls()) {
            if (pull.deadlineNanos - now <= 0) {
                due.add(pull);
            } else if (!waiting || pull.deadlineNanos - next < 0) {
                next = pull.deadlineNanos;
                waiting = true;
            }
        }
        int ended = 0;
        try {
            for (PendingPull pull : due) {
                try {
                    pull.timedOut();
                } catch (RuntimeException e) {
                    log.warn("ending the timed-out pull {} (seq {}) failed", pull.request.uri(), pull.seq, e);
                }
                ended++;
            }
        } finally {
            if (ended < due.size()) {
                // An error escaped one pull's end: the ones after it are looked at again at once.
                next = now;
                waiting = true;
            }
            if (waiting) {
                rearm(next, now, fired.timer);
            }
        }
    }

    /** The pulls waiting now, the slot's first. */
    private List<PendingPull> pulls() {
        List<PendingPull> pulls = new ArrayList<>();
        PendingPull first = slot;
        if (first != null) {
            pulls.add(first);
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        if (map != null) {
            pulls.addAll(map.values());
        }
        return pulls;
    }

    private void rearm(long deadline, long now, Timer timer) {
        try {
            arm(deadline, deadline - now, timer);
        } catch (IllegalStateException stopped) {
            // The peer is shutting down: it closes its sessions, which ends their pulls.
        } catch (RejectedExecutionException refused) {
            // An application's timer with a bound on its timeouts: rather than wait without end, the
            // pulls end now, as a timeout would end them.
            log.warn("the timer refused the timeout of pulls still waiting; they end now: {}", refused.getMessage());
            for (PendingPull pull : pulls()) {
                pull.timerRefused(refused.getMessage());
            }
        }
    }

    /** The session closed and its pulls ended: the timeout goes, unless a pull came meanwhile. */
    private void disarm() {
        synchronized (this) {
            Armed a = armed;
            // Cleared before looking, as in fire: a pull that saw it armed is seen here.
            armed = null;
            if (a == null) {
                return;
            }
            if (isEmpty()) {
                a.cancel();
            } else {
                armed = a;
            }
        }
    }

    /** Removes {@code pull} if it still waits; true when this caller is the one to complete it. */
    boolean remove(PendingPull pull) {
        boolean removed = unslot(pull) || unmap(bySeq, pull);
        if (removed && unanswered < MAX_LATE_REPLIES) {
            UNANSWERED.incrementAndGet(this);
        }
        return removed;
    }

    /**
     * Whether a reply that matches no waiting pull may be a late one: uses up one ended pull if so,
     * else, for a reply without transfer filters ({@code filtered} false), one of the strays.
     */
    boolean takeLateReply(boolean filtered) {
        return takeOne(UNANSWERED) || !filtered && takeOne(STRAYS);
    }

    private boolean takeOne(java.util.concurrent.atomic.AtomicIntegerFieldUpdater<PendingCalls> counter) {
        while (true) {
            int n = counter.get(this);
            if (n == 0) {
                return false;
            }
            if (counter.compareAndSet(this, n, n - 1)) {
                return true;
            }
        }
    }

    boolean contains(PendingPull pull) {
        if (slot == pull) {
            return true;
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return map != null && map.get(pull.key()) == pull;
    }

    /** The pull a reply with {@code seq} answers, removed; {@code null} when none waits (late or unknown). */
    @Nullable PendingPull take(long seq) {
        PendingPull first = slot;
        if (first != null && first.seq == seq && unslot(first)) {
            return first;
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        PendingPull pull = map == null ? null : map.get(seq);
        return pull != null && unmap(map, pull) ? pull : null;
    }

    /** The auth handshake's pull, removed if it still waits; {@code null} when none does. */
    @Nullable PendingPull takeHandshake() {
        PendingPull pull = handshake;
        if (pull == null) {
            return null;
        }
        handshake = null;
        return remove(pull) ? pull : null;
    }

    int size() {
        return count;
    }

    boolean isEmpty() {
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return slot == null && (map == null || map.isEmpty());
    }

    /** Ends every waiting pull with what {@code errorOf} says: the connection is gone. */
    void failAll(java.util.function.Function<PendingPull, Rerror> errorOf) {
        handshake = null;
        for (PendingPull first = slot; first != null; first = slot) {
            if (unslot(first)) {
                first.fail(errorOf.apply(first));
            }
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        if (map != null) {
            for (PendingPull pull : map.values()) {
                if (unmap(map, pull)) {
                    pull.fail(errorOf.apply(pull));
                }
            }
        }
        disarm();
    }

    /**
     * Ends with {@code rerror} the waiting pulls written on {@code channel}, which closed: those of a
     * redial attempt's dial hooks. Pulls held for the session's next connection wait on.
     */
    void failSentOn(io.netty.channel.Channel channel, Rerror rerror) {
        PendingPull first = slot;
        if (first != null && first.sentOn == channel && unslot(first)) {
            first.fail(rerror);
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        if (map != null) {
            for (PendingPull pull : map.values()) {
                if (pull.sentOn == channel && unmap(map, pull)) {
                    pull.fail(rerror);
                }
            }
        }
    }

    /** A pull made by a handler of this session on it starts waiting; {@link #nestedEnded} when it ends. */
    void nestedStarted() {
        NESTED.incrementAndGet(this);
    }

    void nestedEnded() {
        NESTED.decrementAndGet(this);
    }

    /** Whether a handler of this session awaits a reply on it. */
    boolean awaitsNested() {
        return nested > 0;
    }
}
