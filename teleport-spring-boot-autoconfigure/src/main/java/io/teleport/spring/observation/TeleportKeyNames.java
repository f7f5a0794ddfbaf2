package io.teleport.spring.observation;

import io.micrometer.common.docs.KeyName;

/**
 * The keys of Teleport's observations, named as the tags of the {@code teleport.pull.*} timers were
 * before observations made them, so that dashboards and alerts keep working. The first three are low
 * cardinality (bounded, they become tags of the timers); {@link #REMOTE_ADDRESS} is high cardinality
 * (on spans only).
 */
public enum TeleportKeyNames implements KeyName {

    /** The route: a registered path, {@code NOT_FOUND}, or on the calling side a bounded path or {@code OTHER}. */
    ROUTE("route"),
    /**
     * The code: 0 or the error's; on the calling side one of Teleport's codes or {@code OTHER} (a remote
     * peer chooses them), on the answering side this application's handlers' own; {@code UNKNOWN}
     * while the pull is in flight.
     */
    CODE("code"),
    /** {@code SUCCESS} for code 0, else {@code ERROR} ({@code UNKNOWN} while in flight). */
    OUTCOME("outcome"),
    /** The other peer's address (or, for a pull that could not dial, the remote's name). */
    REMOTE_ADDRESS("remote.address");

    private final String key;

    TeleportKeyNames(String key) {
        this.key = key;
    }

    @Override
    public String asString() {
        return key;
    }
}
