package io.teleport.internal.session;

import io.teleport.message.Rerror;
import io.teleport.proto.ErpcRawProto;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.ConcurrentHashMap;
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
 */
final class PendingCalls {

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

    void add(PendingPull pull) {
        if (!SLOT.compareAndSet(this, null, pull)) {
            map().put(pull.key(), pull);
        }
        if (ErpcRawProto.AUTH_URI.equals(pull.request.uri())) {
            handshake = pull;
        }
    }

    /** Removes {@code pull} if it still waits; true when this caller is the one to complete it. */
    boolean remove(PendingPull pull) {
        if (SLOT.compareAndSet(this, pull, null)) {
            return true;
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return map != null && map.remove(pull.key(), pull);
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
        if (first != null && first.seq == seq && SLOT.compareAndSet(this, first, null)) {
            return first;
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return map == null ? null : map.remove(seq);
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
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return (slot == null ? 0 : 1) + (map == null ? 0 : map.size());
    }

    boolean isEmpty() {
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        return slot == null && (map == null || map.isEmpty());
    }

    /** Ends every waiting pull with 102: the connection is gone. */
    void failAll(Rerror rerror) {
        PendingPull first = SLOT.getAndSet(this, null);
        if (first != null) {
            first.fail(rerror);
        }
        ConcurrentHashMap<Long, PendingPull> map = bySeq;
        if (map == null) {
            return;
        }
        for (Long key : map.keySet()) {
            PendingPull pull = map.remove(key);
            if (pull != null) {
                pull.fail(rerror);
            }
        }
    }
}
