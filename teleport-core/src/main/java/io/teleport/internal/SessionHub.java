package io.teleport.internal;

import io.teleport.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** A peer's live sessions by id. */
public final class SessionHub {

    private static final Logger log = LoggerFactory.getLogger(SessionHub.class);

    private final ConcurrentHashMap<String, DefaultSession> sessions = new ConcurrentHashMap<>();

    /** Adds a session under its id; a different session holding that id is closed. */
    void add(DefaultSession session) {
        DefaultSession previous = sessions.put(session.id(), session);
        if (previous != null && previous != session) {
            log.debug("session id {} taken over; closing the previous holder {}", session.id(), previous.remoteAddress());
            previous.close();
        }
    }

    /** Re-keys a session after its id changed. */
    void rename(DefaultSession session, String oldId, String newId) {
        DefaultSession previous = sessions.put(newId, session);
        sessions.remove(oldId, session);
        log.trace("session changes id: {} -> {}", oldId, newId);
        if (previous != null && previous != session) {
            previous.close();
        }
    }

    void remove(DefaultSession session) {
        sessions.remove(session.id(), session);
    }

    /** The session with this id, or {@code null}. */
    public Session get(String id) {
        return sessions.get(id);
    }

    /** The number of live sessions. */
    public int count() {
        return sessions.size();
    }

    /** Calls {@code action} for each session until it returns false. */
    public void forEach(Predicate<Session> action) {
        for (DefaultSession session : sessions.values()) {
            if (!action.test(session)) {
                return;
            }
        }
    }

    /** A snapshot of the live sessions. */
    public Collection<Session> snapshot() {
        return Collections.unmodifiableList(new ArrayList<>(sessions.values()));
    }
}
