package io.teleport.internal.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of a peer that are over their write high water mark: their remote reads more slowly
 * than this side writes, or not at all. What they hold together is bounded by
 * {@link io.teleport.limits.Limits#maxOutboundBytes()}, so that many sessions that never read cannot
 * each fill their own outbound limit. Summed only on the slow path (a write to such a session), over
 * these sessions only, so the common write path counts nothing.
 */
final class SlowReaders {

    private final Set<DefaultSession> sessions = ConcurrentHashMap.newKeySet();

    /** The session's writability changed, or it closed (I/O thread). */
    void update(DefaultSession session, boolean slow) {
        if (slow) {
            sessions.add(session);
            // Closed meanwhile (off the I/O thread): its removal may have come first.
            if (session.isFinished()) {
                sessions.remove(session);
            }
        } else {
            sessions.remove(session);
        }
    }

    /**
     * Bytes the slow sessions have queued, together, {@code writing} counted with its {@code bytes}
     * even before its writability event has run.
     */
    long queuedBytes(DefaultSession writing, long bytes) {
        long sum = sessions.contains(writing) ? 0 : bytes;
        for (DefaultSession s : sessions) {
            sum += s.outbound().bytes();
        }
        return sum;
    }

    /** How many sessions are slow readers now. */
    int count() {
        return sessions.size();
    }
}
