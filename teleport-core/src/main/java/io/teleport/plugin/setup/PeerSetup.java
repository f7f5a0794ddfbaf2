package io.teleport.plugin.setup;

import io.teleport.codec.Codecs;
import io.teleport.config.PeerConfig;
import io.teleport.limits.PeerStats;
import io.teleport.router.PullRouter;
import io.teleport.router.PushRouter;
import io.teleport.session.Session;

import java.util.function.Predicate;

/**
 * What a {@link PostNewPeer} plugin may do with the peer it was built into: read its configuration,
 * add routes, and look at its sessions and stats. It cannot listen, dial or close the peer; the peer's
 * owner does that.
 */
public interface PeerSetup {

    /** The peer's configuration, after every {@link PreNewPeer} hook. */
    PeerConfig config();

    /** Routes for pulls this peer answers. */
    PullRouter pullRouter();

    /** Routes for pushes this peer receives. */
    PushRouter pushRouter();

    /** The peer's body codecs. */
    Codecs codecs();

    /** Counts of what the peer's limits did. */
    PeerStats stats();

    /** The number of live sessions. */
    int sessionCount();

    /** Calls {@code action} for each live session until it returns false. */
    void forEachSession(Predicate<Session> action);

    /** Whether the peer is closed or closing. */
    boolean isClosed();
}
