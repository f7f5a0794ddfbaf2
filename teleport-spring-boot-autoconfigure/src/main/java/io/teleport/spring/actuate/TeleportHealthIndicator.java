package io.teleport.spring.actuate;

import io.teleport.Peer;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the peer: up while it runs and, on the listening side, while it listens; with the
 * listening addresses, the number of sessions, and of them the connections it accepted (its clients;
 * the others are those it dialed).
 */
public final class TeleportHealthIndicator extends AbstractHealthIndicator {

    private final Peer peer;
    private final boolean listens;

    /** Health of {@code peer}; {@code listens} when it is expected to be listening. */
    public TeleportHealthIndicator(Peer peer, boolean listens) {
        super("Teleport health check failed");
        this.peer = peer;
        this.listens = listens;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean listening = !peer.listenAddresses().isEmpty();
        if (peer.isClosed() || (listens && !listening)) {
            builder.down();
        } else {
            builder.up();
        }
        builder.withDetail("listening", peer.listenAddresses().stream().map(String::valueOf).toList())
                .withDetail("sessions", peer.sessionCount())
                .withDetail("accepted", peer.stats().acceptedConnections());
    }
}
