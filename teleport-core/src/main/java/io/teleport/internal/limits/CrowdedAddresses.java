package io.teleport.internal.limits;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accepted connections of each remote address, so that at {@code max-connections} an address
 * holding more than half of the places gives back those of its connections that do nothing, until it
 * holds half. Otherwise one host that opened a connection per place and sent a frame (or a byte) on
 * each kept every new client in the kernel's backlog for as long as it liked (hostile round 11), while
 * {@code max-connections-per-address} stays off by default for clients behind one NAT or balancer. An
 * address holding half or less loses nothing, and nor does a connection on which bytes arrived, or
 * to which a frame was written or still goes out, since the last look, or with a message in flight.
 */
public final class CrowdedAddresses {

    /** An accepted connection, as the looks see it. */
    public interface Member {

        /** Reads and frames written on it so far: a hint off its I/O thread, checked again there. */
        int activity();

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
     * At the bound of {@code max} places: when one address holds more than half of them, closes those
     * of its connections idle since the last look, as many as it holds past half; a look within
     * {@link #lookNanos} of the last does nothing.
     *
     * @return how many it asked to close
     */
    int trim(int max, long now) {
        if (lastLookNanos != 0 && now - lastLookNanos < lookNanos) {
            return 0;
        }
        lastLookNanos = now;
        Set<Member> crowd = null;
        for (Set<Member> members : byAddress.values()) {
            if (crowd == null || members.size() > crowd.size()) {
                crowd = members;
            }
        }
        int excess = crowd == null ? 0 : crowd.size() - max / 2;
        int closing = 0;
        for (Member m : excess > 0 ? crowd : Set.<Member>of()) {
            int activity = m.activity();
            if (m.seen() == activity && closing < excess) {
                closing++;
                m.closeIfIdle(activity);
            } else {
                m.seen(activity);
            }
        }
        return closing;
    }
}
