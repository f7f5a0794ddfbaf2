package io.teleport.internal.session;

import io.teleport.internal.log.LogText;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/** A peer's live sessions by id. */
public final class SessionHub {

    private static final Logger log = LoggerFactory.getLogger(SessionHub.class);

    private final ConcurrentHashMap<String, DefaultSession> sessions = new ConcurrentHashMap<>();
    /** The longest id a session may be given (see {@code Session.setId}). */
    static final int MAX_ID_LENGTH = 1024;

    /**
     * Checks an id a session is to be given: not null, at most {@value #MAX_ID_LENGTH} characters, and
     * none that would rewrite a log line (controls, line and paragraph separators, formatting characters
     * such as bidi overrides): ids go into log lines as they are, and one a verifier took from a token
     * forged whole lines (hostile round 21).
     */
    static void checkId(String id) {
        if (Objects.requireNonNull(id, "newId").length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("newId: " + id.length() + " characters (expected: at most "
                    + MAX_ID_LENGTH + ")");
        }
        for (int i = 0; i < id.length(); i++) {
            int type = Character.getType(id.charAt(i));
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                throw new IllegalArgumentException("newId: a control or formatting character (U+"
                        + String.format("%04X", (int) id.charAt(i)) + ") at " + i + " (expected: printable text)");
            }
        }
    }

    /** Where {@link #add} listed a session, and the different session that held that id, to be closed. */
    record Listing(String id, @Nullable DefaultSession evicted) {
    }

    /**
     * Adds a session under {@code id}. Atomic with the choice of a free default id, so that two ends
     * admitted at once cannot take the same one.
     */
    Listing add(DefaultSession session, String id, boolean isDefault) {
        synchronized (this) {
            String key = isDefault ? freeDefaultId(id, session) : id;
            DefaultSession previous = sessions.put(key, session);
            return new Listing(key, previous == session ? null : previous);
        }
    }

    /**
     * Closes the session whose id was taken. Not under the taking session's monitor: closing takes the
     * other's, and two sessions taking each other's ids at once would each wait for the other.
     */
    static void evict(@Nullable DefaultSession previous, String id) {
        if (previous != null) {
            // The id may come from the remote (a token's claim): a bounded, escaped copy in the log.
            String what = "id " + LogText.safe(id, previous.peer.limits.logValueLimit())
                    + " taken over; closing the previous holder " + previous.remoteAddress();
            log.debug(what);
            previous.peer.logs.idTakenLog.record(what);
            previous.close();
        }
    }

    /**
     * A default id for {@code session}: normally {@code id} itself. A peer connected to itself holds
     * both ends of one connection, whose default ids are the same address; the second end then gets
     * {@code id} with {@code #dial} or {@code #accept} appended rather than closing the first.
     */
    private String freeDefaultId(String id, DefaultSession session) {
        DefaultSession holder = sessions.get(id);
        if (holder == null || holder == session || holder.dialed() == session.dialed()) {
            return id;
        }
        return id + (session.dialed() ? "#dial" : "#accept");
    }

    /** Re-keys a session after its id changed; returns the different session that held the new id ({@link #evict}). */
    @Nullable DefaultSession rename(DefaultSession session, String oldId, String newId) {
        DefaultSession previous;
        synchronized (this) {
            previous = sessions.put(newId, session);
            sessions.remove(oldId, session);
        }
        log.trace("session changes id: {} -> {}", oldId, newId);
        return previous == session ? null : previous;
    }

    synchronized void remove(DefaultSession session) {
        sessions.remove(session.id(), session);
    }

    /** The session with this id, or {@code null}. */
    public @Nullable Session get(String id) {
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
