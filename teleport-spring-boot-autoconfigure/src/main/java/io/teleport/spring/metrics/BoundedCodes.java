package io.teleport.spring.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The codes this side answers pulls with, as tag values: Teleport's own ({@link TeleportTags#KNOWN_CODES})
 * always, the first {@value #MAX} others (its handlers' own codes) as they are, and
 * {@link TeleportTags#OTHER} after. A handler that passes on the error of a peer it called, or a proxy,
 * answers with codes a remote chose, which must not each grow a meter.
 */
public final class BoundedCodes {

    /** How many distinct codes besides Teleport's get their own tag value. */
    public static final int MAX = 64;

    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();

    /** Whether {@code code} gets its own tag value; false for {@link TeleportTags#OTHER}. */
    public boolean tagged(int code) {
        if (TeleportTags.KNOWN_CODES.contains(code) || seen.contains(code)) {
            return true;
        }
        if (seen.size() < MAX) {
            seen.add(code);
            return true;
        }
        return false;
    }

    /** The tag value of {@code code}. */
    public String tag(int code) {
        return tagged(code) ? Integer.toString(code) : TeleportTags.OTHER;
    }
}
