package io.teleport.internal.log;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A throwable as a log line may carry it. A handler's exception often quotes what the remote sent
 * (a body, a header), and logging frameworks print a throwable's message raw: a line break in it
 * forges a log line, and its length is the remote's to choose. One whose messages (its causes' and
 * suppressed ones' too) are printable and within {@link #MAX_MESSAGE} is logged as it is; another as a
 * copy whose messages are escaped and cut ({@link LogText}), named by the original's class and
 * keeping its stack.
 */
public final class LoggedThrowable extends RuntimeException {

    /** The longest throwable message logged whole, in characters. */
    public static final int MAX_MESSAGE = 4096;
    /** How deep a chain of causes is followed; a longer one is cut there. */
    private static final int MAX_DEPTH = 16;
    private static final long serialVersionUID = 1L;

    private LoggedThrowable(String message) {
        // Its cause not given, so that the copy of the original's can be set.
        super(message);
    }

    /** {@code t}, or a copy of it safe to log when its messages are not; never throws. */
    public static Throwable of(Throwable t) {
        try {
            return clean(t, Collections.newSetFromMap(new IdentityHashMap<>()), 0) ? t : copy(t, 0, new IdentityHashMap<>());
        } catch (RuntimeException | StackOverflowError unexpected) {
            // A throwable whose own methods fail: logging it must not fail what logs it.
            return new LoggedThrowable(t.getClass().getName() + " (its message could not be read: " + unexpected + ")");
        }
    }

    private static boolean clean(Throwable t, Set<Throwable> seen, int depth) {
        if (depth >= MAX_DEPTH) {
            // Deeper than is looked at: copied, and cut there.
            return false;
        }
        if (!seen.add(t)) {
            return true;
        }
        String message = t.getMessage();
        if (message != null && !LogText.harmless(message, MAX_MESSAGE)) {
            return false;
        }
        for (Throwable s : t.getSuppressed()) {
            if (!clean(s, seen, depth + 1)) {
                return false;
            }
        }
        return t.getCause() == null || clean(t.getCause(), seen, depth + 1);
    }

    /** The copy of {@code t}; one reached again (a cause also suppressed) is copied once. */
    private static Throwable copy(Throwable t, int depth, Map<Throwable, Throwable> copies) {
        Throwable done = copies.get(t);
        if (done != null) {
            return done;
        }
        String message = t.getMessage();
        LoggedThrowable copy = new LoggedThrowable(t.getClass().getName()
                + (message == null ? "" : ": " + LogText.safe(message, MAX_MESSAGE)));
        copies.put(t, copy);
        copy.setStackTrace(t.getStackTrace());
        if (depth + 1 < MAX_DEPTH) {
            Throwable cause = t.getCause();
            if (cause != null && cause != t && !copies.containsKey(cause)) {
                copy.initCause(copy(cause, depth + 1, copies));
            }
            for (Throwable s : t.getSuppressed()) {
                Throwable suppressed = copy(s, depth + 1, copies);
                if (suppressed != copy) {
                    copy.addSuppressed(suppressed);
                }
            }
        }
        return copy;
    }
}
