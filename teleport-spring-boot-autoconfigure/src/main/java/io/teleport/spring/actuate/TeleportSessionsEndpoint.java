package io.teleport.spring.actuate;

import io.teleport.Peer;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The {@code teleport} actuator endpoint: shows the I/O transport in use, lists the live sessions (id, addresses, age, pulls in
 * flight, bytes queued to it and whether it takes more; the first 100 by id unless {@code ?limit=} asks for more, with their total) and closes one on a DELETE of its id. Read-only unless
 * {@code management.endpoint.teleport.access=unrestricted}, as Boot's own destructive operations.
 */
@Endpoint(id = "teleport", defaultAccess = Access.READ_ONLY)
public class TeleportSessionsEndpoint {

    private static final Logger log = LoggerFactory.getLogger(TeleportSessionsEndpoint.class);

    /** Sessions listed when no {@code limit} is given. */
    public static final int DEFAULT_LIMIT = 100;
    /** The most sessions listed, whatever {@code limit} asks. */
    public static final int MAX_LIMIT = 10_000;

    private final Peer peer;

    /** The endpoint of {@code peer}. */
    public TeleportSessionsEndpoint(Peer peer) {
        this.peer = peer;
    }

    /** The live sessions, by id: the first {@value #DEFAULT_LIMIT}. */
    public SessionsDescriptor sessions() {
        return sessions(null);
    }

    /**
     * The live sessions, by id: the first {@code limit} (at most {@value #MAX_LIMIT}; without it
     * {@value #DEFAULT_LIMIT}), and how many there are. A peer may hold tens of thousands: one GET
     * must not build and send them all.
     */
    @ReadOperation
    public SessionsDescriptor sessions(@Nullable Integer limit) {
        int shown = limit == null ? DEFAULT_LIMIT : Math.max(0, Math.min(limit, MAX_LIMIT));
        Instant now = Instant.now();
        List<Session> live = List.copyOf(peer.sessions());
        // Ids taken once: a session may be renamed (setId) meanwhile, and a sort whose keys change under
        // it fails ("Comparison method violates its general contract").
        List<SessionDescriptor> sessions = live.stream()
                .map(s -> Map.entry(s.id(), s))
                .sorted(Map.Entry.comparingByKey())
                .limit(shown)
                .map(e -> describe(e.getKey(), e.getValue(), now))
                .toList();
        int dialed = (int) live.stream().filter(Session::dialed).count();
        return new SessionsDescriptor(peer.transport().configName(),
                peer.listenAddresses().stream().map(String::valueOf).toList(), live.size(), dialed, sessions);
    }

    private static SessionDescriptor describe(String id, Session s, Instant now) {
        return new SessionDescriptor(id, String.valueOf(s.remoteAddress()), String.valueOf(s.localAddress()),
                s.connectedAt(), Duration.between(s.connectedAt(), now).toSeconds(), s.pendingPulls(), s.isHealthy(),
                s.dialed(), s.outboundBytes(), s.isWritable());
    }

    /**
     * Closes the session with this id gracefully; says whether there was one (over HTTP, no session
     * is a 404: {@link TeleportSessionsWebExtension}). An object rather than a bare boolean: JMX
     * answers with a map of the result, which a scalar cannot become.
     */
    @DeleteOperation
    public CloseDescriptor close(@Selector String id) {
        boolean closed = peer.session(id).map(Session::close).isPresent();
        if (closed) {
            // An operator's act that ends a client's connection: the log says who closed it (trial 18).
            // The id is a live session's: SessionHub refuses control characters in one (Session.setId).
            log.info("session {} closed through the actuator endpoint", id);
        }
        return new CloseDescriptor(id, closed);
    }

    /**
     * What closing a session did.
     *
     * @param id the session id asked for
     * @param closed whether a live session had it and is now closing
     */
    public record CloseDescriptor(String id, boolean closed) {
    }

    /**
     * What the endpoint shows.
     *
     * @param transport the I/O transport in use: nio, epoll, kqueue or io-uring
     * @param listening the addresses the peer listens on
     * @param total how many sessions are live
     * @param dialed how many of them this peer dialed (its remotes); the others it accepted (its clients)
     * @param sessions the first of them by id, as many as the limit
     */
    public record SessionsDescriptor(String transport, List<String> listening, int total, int dialed,
            List<SessionDescriptor> sessions) {
    }

    /**
     * One session.
     *
     * @param id the session id
     * @param remoteAddress the remote address
     * @param localAddress the local address
     * @param connectedAt when its connection was made
     * @param ageSeconds its age in seconds
     * @param pendingPulls this side's pulls waiting for a reply
     * @param healthy whether it is open and not closing
     * @param dialed whether this peer dialed it (a remote of its own) rather than accepted it (a client)
     * @param outboundBytes bytes written to it and not yet taken by its socket: a peer that reads slowly,
     *     or not at all, holds them
     * @param writable whether it takes more (below its high water mark and outbound limit); a session
     *     that is not is passed over by broadcasts and refuses new messages with {@code 104}
     */
    public record SessionDescriptor(String id, String remoteAddress, String localAddress, Instant connectedAt,
            long ageSeconds, int pendingPulls, boolean healthy, boolean dialed, long outboundBytes, boolean writable) {
    }
}
