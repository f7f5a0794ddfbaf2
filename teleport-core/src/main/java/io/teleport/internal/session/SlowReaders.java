package io.teleport.internal.session;

import org.jspecify.annotations.Nullable;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sessions of a peer that are over their write high water mark: their remote reads more slowly
 * than this side writes, or not at all. What they hold together is bounded by
 * {@link io.teleport.limits.Limits#maxOutboundBytes()}, so that many sessions that never read cannot
 * each fill their own outbound limit. Summed only on the slow path (a write to such a session), over
 * these sessions only, so the common write path counts nothing.
 */
final class SlowReaders {

    private final Set<DefaultSession> sessions = ConcurrentHashMap.newKeySet();
    /** Broadcast bodies that frames still hold, each counted once however many sessions hold it. */
    private final AtomicLong sharedBodyBytes = new AtomicLong();

    /** The session's writability changed, or it closed (I/O thread). */
    void update(DefaultSession session, boolean slow) {
        if (slow) {
            if (sessions.add(session)) {
                session.outbound().slowSinceNanos = System.nanoTime();
            }
            // Closed meanwhile (off the I/O thread): its removal may have come first.
            if (session.isFinished()) {
                sessions.remove(session);
            }
        } else if (sessions.remove(session)) {
            session.outbound().slowSinceNanos = 0;
        }
    }

    /**
     * Why {@code size} more bytes on {@code writing} would pass {@code max}, the peer-wide bound of slow
     * readers' bytes, or {@code null} when they may go on. Past the bound, a session over its share
     * (the bound over the number of slow readers) pays: the one that has been slow the longest, most
     * likely a peer that reads nothing, is closed, unless {@code writing} is itself that one; a modest
     * reader, or one that still reads now and then, is not closed for the others. None that has been
     * slow for less than {@code graceNanos} is closed.
     */
    @Nullable String overLimit(DefaultSession writing, int size, long max, long graceNanos) {
        SessionOutbound out = writing.outbound();
        long mine = out.ownBytes();
        long queued = queuedBytes(writing, mine);
        if (queued + size <= max) {
            return null;
        }
        // At least the writer, which may be among them and being closed already (counted then as none).
        int count = Math.max(1, count(writing));
        long share = max / count;
        boolean overShare = mine + size > share;
        long now = System.nanoTime();
        long since = out.slowSinceNanos != 0 ? out.slowSinceNanos : now;
        DefaultSession stalest = stalestOver(share, writing);
        if (stalest != null && now - stalest.outbound().slowSinceNanos < graceNanos) {
            // The longest slow of those over their share: none has been slow that long.
            stalest = null;
        }
        if (stalest != null && (!overShare || stalest.outbound().slowSinceNanos - since < 0)
                && stalest.outbound().closeStalled(count, queued, max)) {
            return null;
        }
        if (!overShare) {
            return null;
        }
        return "the " + count + " sessions that read too slowly have " + queued + " bytes queued, this one "
                + mine + ", over its share; " + size + " more would pass the peer's limit of " + max;
    }

    /**
     * Of the slow sessions other than {@code except} that hold more than {@code share} bytes, the one
     * slow the longest; null when there is none. Sessions already being closed for it do not count.
     */
    @Nullable DefaultSession stalestOver(long share, DefaultSession except) {
        DefaultSession stalest = null;
        long since = 0;
        for (DefaultSession s : sessions) {
            SessionOutbound out = s.outbound();
            long t = out.slowSinceNanos;
            if (s == except || t == 0 || out.closedUnread() || s.isFinished() || out.ownBytes() <= share) {
                continue;
            }
            if (stalest == null || t - since < 0) {
                stalest = s;
                since = t;
            }
        }
        return stalest;
    }

    /**
     * Bytes the slow sessions have queued, together, {@code writing} counted with its {@code bytes}
     * even before its writability event has run; the broadcast bodies their frames share, once.
     */
    long queuedBytes(DefaultSession writing, long bytes) {
        long sum = (sessions.contains(writing) ? 0 : bytes) + sharedBodyBytes.get();
        for (DefaultSession s : sessions) {
            // One closed for its unread replies frees them as soon as its I/O thread closes it.
            if (!s.outbound().closedUnread()) {
                sum += s.outbound().ownBytes();
            }
        }
        return sum;
    }

    /** A broadcast's shared body is made ({@code delta} its size), or freed (minus it). */
    void sharedBodies(long delta) {
        sharedBodyBytes.addAndGet(delta);
    }

    /** What {@code live}, all the peer's sessions, hold to write: {@link io.teleport.limits.PeerStats#outboundBytes()}. */
    long heldBytes(Iterable<DefaultSession> live) {
        long sum = sharedBodyBytes.get();
        for (DefaultSession s : live) {
            sum += s.outbound().ownBytes();
        }
        return sum;
    }

    /** The bytes of the broadcast bodies that frames still hold, each counted once (see {@link SharedBody}). */
    long sharedBodyBytes() {
        return sharedBodyBytes.get();
    }

    /** Whether {@code session} is among the slow readers. */
    boolean contains(DefaultSession session) {
        return sessions.contains(session);
    }

    /**
     * How many sessions are slow readers now, {@code writing} counted even before its writability event
     * has run, and those being closed for it not counted, as their bytes are not.
     */
    int count(DefaultSession writing) {
        int n = sessions.contains(writing) ? 0 : 1;
        for (DefaultSession s : sessions) {
            if (!s.outbound().closedUnread()) {
                n++;
            }
        }
        return n;
    }
}
