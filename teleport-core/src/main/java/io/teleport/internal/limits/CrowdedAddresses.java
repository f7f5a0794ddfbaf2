package io.teleport.internal.limits;

import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted connections, each with its remote address, so that at {@code max-connections} the address
 * crowding the others out (see {@link AcceptGate}) gives back connections that do nothing, one for each
 * connection of another address waiting for a place. An idle connection is one on which no byte
 * arrived and to which no frame was written between two looks, with nothing in flight either way and
 * nothing still going out.
 */
public final class CrowdedAddresses {

    /** An accepted connection, as the looks see it. */
    public interface Member {

        /** Its remote address. */
        InetAddress address();

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

    /**
     * Every accepted connection with an address, in one set: a set per address would cost a map of its own
     * for each of many clients, each from its own address, while only a look at the bound walks them.
     */
    private final Set<Member> members = ConcurrentHashMap.newKeySet();
    private final long lookNanos;
    /** When the last look was; looks come from one sweep at a time. */
    private long lastLookNanos;
    private boolean looked;

    /** Looks at most once per {@code lookNanos}: a connection is idle when two looks that far apart see it do nothing. */
    CrowdedAddresses(long lookNanos) {
        this.lookNanos = lookNanos;
    }

    /** {@code m} was admitted. */
    public void add(Member m) {
        members.add(m);
    }

    /** {@code m} closed. */
    public void remove(Member m) {
        members.remove(m);
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
        for (Member m : members) {
            if (!crowd.equals(m.address())) {
                continue;
            }
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
