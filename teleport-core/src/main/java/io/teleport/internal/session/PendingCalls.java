package io.teleport.internal.session;

import io.teleport.proto.ErpcRawProto;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.ConcurrentHashMap;

/**
 * This side's pulls on one session that wait for their reply, by seq. Whoever removes a pull
 * (the reply, its timer, a failed write, the closing connection) is the one that completes it, so
 * each ends exactly once.
 */
final class PendingCalls {

    private final ConcurrentHashMap<Long, PendingPull> bySeq = new ConcurrentHashMap<>();
    /**
     * The latest pull of the auth handshake, for the one reply matched by its URI rather than its seq
     * (erpc v6's AUTH_REPLY): found at once, so that such replies, even a flood of them, cost no scan.
     */
    private volatile @Nullable PendingPull handshake;

    void add(PendingPull pull) {
        bySeq.put(pull.key, pull);
        if (ErpcRawProto.AUTH_URI.equals(pull.request.uri())) {
            handshake = pull;
        }
    }

    /** Removes {@code pull} if it still waits; true when this caller is the one to complete it. */
    boolean remove(PendingPull pull) {
        return bySeq.remove(pull.key, pull);
    }

    boolean contains(PendingPull pull) {
        return bySeq.get(pull.key) == pull;
    }

    /** The pull a reply with {@code seq} answers, removed; {@code null} when none waits (late or unknown). */
    @Nullable PendingPull take(long seq) {
        return bySeq.remove(seq);
    }

    /** The auth handshake's pull, removed if it still waits; {@code null} when none does. */
    @Nullable PendingPull takeHandshake() {
        PendingPull pull = handshake;
        if (pull == null) {
            return null;
        }
        handshake = null;
        return bySeq.remove(pull.key, pull) ? pull : null;
    }

    int size() {
        return bySeq.size();
    }

    boolean isEmpty() {
        return bySeq.isEmpty();
    }

    /** Ends every waiting pull with 102: the connection is gone. */
    void failAll() {
        for (Long key : bySeq.keySet()) {
            PendingPull pull = bySeq.remove(key);
            if (pull != null) {
                pull.onClosed();
            }
        }
    }
}
