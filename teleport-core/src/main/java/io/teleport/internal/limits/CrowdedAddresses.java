package io.teleport.internal.limits;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted connections of each remote address, so that at {@code max-connections} the address
 * crowding the others out (see {@link AcceptGate}) gives back connections that do nothing, one for each
 * connection of another address waiting for a place. An idle connection is one on which no byte
 * arrived and to which no frame was written between two looks, with nothing in flight either way and
 * nothing still going out.
 */
public final class CrowdedAddresses {

    /** An accepted connection, as the looks see it. */
    public interface Member {

        /** Reads and frames written on it so far: a hint off its I/O thread, checked again there. */
        int activity();

        /** Whether a message is in flight on it, either way, or bytes wait to go out: a hint, as above. */
        boolean busy();

        /** Its {@link #activity()} at the last look; {@code -1} before any. Read and set by the looks only. */
        int seen();

        /** See {@link #seen()}. */
        void seen(int activity);

        /** Closes it, on its own thread, when it did nothing since the look that saw {@code seen}: counted and logged. */
        void closeIfIdle(int seen);
    }

    private final Map<InetAddress, Set<Member>> byAddress = new ConcurrentHashMap<>();
    private final long lookNanos;
    /** When the last look was; looks come from one sweep at a time. */
    private long lastLookNanos;
    private boolean looked;

    /** Looks at most once per {@code lookNanos}: a connection is idle when two looks that far apart see it do nothing. */
    CrowdedAddresses(long lookNanos) {
        this.lookNanos = lookNanos;
    }

    /** {@code m}, from {@code address}, was admitted. */
    public void add(InetAddress address, Member m) {
        byAddress.compute(address, (a, members) -> {
            Set<Member> set = members != null ? members : ConcurrentHashMap.newKeySet();
            set.add(m);
            return set;
        });
    }

    /** {@code m} closed. */
    public void remove(InetAddress address, Member m) {
        byAddress.computeIfPresent(address, (a, members) -> {
            members.remove(m);
            return members.isEmpty() ? null : members;
        });
    }

    /**
     * Looks at the connections of {@code crowd} and closes up to {@code room} of those idle since the
     * last look; a look within {@link #lookNanos} of the last does nothing.
     *
     * @return how many it asked to close
     */
    int trim(InetAddress crowd, int room, long now) {
        if (looked && now - lastLookNanos < lookNanos) {
            return 0;
        }
        looked = true;
        lastLookNanos = now;
        int closing = 0;
        for (Member m : byAddress.getOrDefault(crowd, Set.of())) {
            int activity = m.activity();
            if (m.seen() == activity && closing < room && !m.busy()) {
                closing++;
                m.closeIfIdle(activity);
            } else {
                m.seen(activity);
            }
        }
        return closing;
    }
}
