package io.teleport.internal.session;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.ConcurrentHashMap;

/**
 * This side's pulls on one session that wait for their reply, by seq. Whoever removes a pull
 * (the reply, its timer, a failed write, the closing connection) is the one that completes it, so
 * each ends exactly once.
 */
final class PendingCalls {

    private final ConcurrentHashMap<Long, PendingPull> bySeq = new ConcurrentHashMap<>();

    void add(PendingPull pull) {
        bySeq.put(pull.key, pull);
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

    /** The first waiting pull of {@code uri}, removed; a scan, for the rare reply that is not matched by seq. */
    @Nullable PendingPull takeByUri(String uri) {
        for (PendingPull pull : bySeq.values()) {
            if (pull.request.uri().equals(uri) && bySeq.remove(pull.key, pull)) {
                return pull;
            }
        }
        return null;
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
