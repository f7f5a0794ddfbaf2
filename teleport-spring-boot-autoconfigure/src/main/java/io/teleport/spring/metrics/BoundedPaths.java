package io.teleport.spring.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The paths this side calls, as tag values: the first {@value #MAX} distinct ones as they are and
 * {@link TeleportTags#OTHER} after. They are whatever the application (or a proxy forwarding for a
 * remote peer) uses, so unlike the routes of handled pulls and pushes they are not a fixed set.
 */
public final class BoundedPaths {

    /** How many distinct paths get their own tag value. */
    public static final int MAX = 256;

    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    /** The tag value of {@code path}. */
    public String tag(String path) {
        if (seen.contains(path)) {
            return path;
        }
        if (seen.size() < MAX) {
            seen.add(path);
            return path;
        }
        return TeleportTags.OTHER;
    }
}
