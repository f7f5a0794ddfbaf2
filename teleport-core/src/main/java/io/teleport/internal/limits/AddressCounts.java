package io.teleport.internal.limits;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The accepted connections of each remote address at an {@link AcceptGate}: those it holds (admitted or
 * waiting for a place), which {@code max-connections-per-address} bounds, and those admitted, of which
 * more than half of the places make the address the one crowding the others out. Only one address can
 * hold more than half of the places, so there is at most one. Guarded by the gate's lock.
 */
final class AddressCounts {

    /** Per address: connections held, and of them admitted. */
    private final Map<InetAddress, int[]> counts = new HashMap<>();
    private final int max;
    private final int perAddress;
    private @Nullable InetAddress crowd;

    /** For a gate of {@code max} places and {@code perAddress} per address (0: no such bound). */
    AddressCounts(int max, int perAddress) {
        this.max = max;
        this.perAddress = perAddress;
    }

    /** Counts one more connection held by {@code address}; false, counting nothing, when it holds its bound. */
    boolean countIn(InetAddress address) {
        int[] c = counts.computeIfAbsent(address, a -> new int[2]);
        if (perAddress > 0 && c[0] >= perAddress) {
            return false;
        }
        c[0]++;
        return true;
    }

    /** A connection held by {@code address} (null: none) took a place. */
    void admitted(@Nullable InetAddress address) {
        int[] c = address == null ? null : counts.get(address);
        if (c != null && ++c[1] > max / 2) {
            crowd = address;
        }
    }

    /** A connection held by {@code address} (null: none) is gone, admitted ({@code admitted}) or not. */
    void release(@Nullable InetAddress address, boolean admitted) {
        int[] c = address == null ? null : counts.get(address);
        if (c == null) {
            return;
        }
        c[0]--;
        c[1] -= admitted ? 1 : 0;
        if (address.equals(crowd) && c[1] <= max / 2) {
            crowd = null;
        }
        if (c[0] <= 0) {
            counts.remove(address);
        }
    }

    /** The address holding more than half of the places, admitted; null when none does. */
    @Nullable InetAddress crowd() {
        return crowd;
    }

    /** How many of the places the crowding address holds past half of them; 0 when none does. */
    int crowdExcess() {
        return crowd == null ? 0 : counts.get(crowd)[1] - max / 2;
    }
}
