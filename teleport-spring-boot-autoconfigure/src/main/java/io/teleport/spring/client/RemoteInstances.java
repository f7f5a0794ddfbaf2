package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.proto.Proto;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The instances a {@link SessionTemplate} calls, each with its own connection: one fixed address, or
 * the instances of a service as its registry lists them, kept up to date through {@link #update} by a
 * discovery integration. An instance that joins gets a connection (dialed at once while the template
 * {@linkplain SessionTemplate#connect() connects}, else on first use); one that leaves is no longer
 * chosen, and its session closes once this side's pulls on it are answered.
 */
public final class RemoteInstances {

    private static final Logger log = LoggerFactory.getLogger(SessionTemplate.class);

    private final Peer peer;
    private final String remote;
    private final @Nullable String serviceId;
    private final TeleportLoadBalancer balancer;
    /** The protocol its connections dial with; {@code null} for the peer's default. */
    private final @Nullable Proto proto;
    /** What each session its connections dial holds from its start (see {@code Peer.dialAsync}). */
    private final Map<String, ?> dialAttributes;
    /** Replaced whole on each change, so that a call reads one consistent list without a lock. */
    private volatile List<Member> members;
    private boolean connecting;
    private volatile boolean listed;

    private RemoteInstances(Peer peer, String remote, @Nullable String serviceId, TeleportLoadBalancer balancer,
            List<Member> members, @Nullable Proto proto, Map<String, ?> dialAttributes) {
        this.proto = proto;
        this.dialAttributes = dialAttributes;
        this.peer = Objects.requireNonNull(peer, "peer");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.serviceId = serviceId;
        this.balancer = Objects.requireNonNull(balancer, "balancer");
        this.members = members;
        this.listed = serviceId == null;
    }

    /** The one instance at {@code address}, of the remote named {@code remote}. */
    public static RemoteInstances fixed(Peer peer, String remote, String address) {
        return fixed(peer, remote, address, null);
    }

    /** The one instance at {@code address}, dialed with {@code proto} ({@code null} for the peer's default). */
    public static RemoteInstances fixed(Peer peer, String remote, String address, @Nullable Proto proto) {
        return fixed(peer, remote, address, proto, Map.of());
    }

    /**
     * As {@link #fixed(Peer, String, String, Proto)}, each session dialed holding {@code dialAttributes}
     * from its start (see {@code Peer.dialAsync}: the remote's own token, {@code AuthPlugin.TOKEN}).
     */
    public static RemoteInstances fixed(Peer peer, String remote, String address, @Nullable Proto proto,
            Map<String, ?> dialAttributes) {
        Map<String, ?> attributes = Map.copyOf(dialAttributes);
        TeleportInstance instance = TeleportInstance.of(address);
        return new RemoteInstances(peer, remote, null, (uri, candidates) -> candidates.get(0),
                List.of(new Member(instance, new RemoteConnection(peer, remote, address, proto, attributes))), proto,
                attributes);
    }

    /**
     * The instances of the service {@code serviceId}, none until the first {@link #update}; calls
     * choose among them with {@code balancer}.
     */
    public static RemoteInstances discovered(Peer peer, String remote, String serviceId, TeleportLoadBalancer balancer) {
        return discovered(peer, remote, serviceId, balancer, null);
    }

    /** As {@link #discovered(Peer, String, String, TeleportLoadBalancer)}, dialing with {@code proto}. */
    public static RemoteInstances discovered(Peer peer, String remote, String serviceId, TeleportLoadBalancer balancer,
            @Nullable Proto proto) {
        return discovered(peer, remote, serviceId, balancer, proto, Map.of());
    }

    /** As {@link #discovered(Peer, String, String, TeleportLoadBalancer, Proto)}, with {@code dialAttributes} as in {@link #fixed(Peer, String, String, Proto, Map)}. */
    public static RemoteInstances discovered(Peer peer, String remote, String serviceId, TeleportLoadBalancer balancer,
            @Nullable Proto proto, Map<String, ?> dialAttributes) {
        return new RemoteInstances(peer, remote, Objects.requireNonNull(serviceId, "serviceId"), balancer, List.of(),
                proto, Map.copyOf(dialAttributes));
    }

    /** The service whose instances these are, or {@code null} for a fixed address. */
    public @Nullable String serviceId() {
        return serviceId;
    }

    /** The remote's name. */
    public String remote() {
        return remote;
    }

    /** The instances now. */
    public List<TeleportInstance> list() {
        List<Member> now = members;
        List<TeleportInstance> instances = new ArrayList<>(now.size());
        for (Member m : now) {
            instances.add(m.instance);
        }
        return instances;
    }

    /** Where the connection to {@code instance} stands; {@link RemoteState#DOWN} for one not (or no longer) listed. */
    public RemoteState state(TeleportInstance instance) {
        for (Member m : members) {
            if (m.instance.address().equals(instance.address())) {
                return m.connection.state();
            }
        }
        return RemoteState.DOWN;
    }

    /**
     * Replaces the instances with those the registry lists now. New addresses get a connection; an
     * instance whose metadata changed keeps its connection; those gone are retired: not chosen again,
     * their sessions closed once this side's pulls on them are answered (or after the peer's pull
     * timeout at the latest).
     *
     * @throws IllegalStateException for a remote with a fixed address
     */
    public void update(Collection<TeleportInstance> instances) {
        if (serviceId == null) {
            throw new IllegalStateException("remote '" + remote + "' has a fixed address");
        }
        List<RemoteConnection> retired = new ArrayList<>();
        List<RemoteConnection> joined = new ArrayList<>();
        boolean dial;
        synchronized (this) {
            Map<String, Member> old = new LinkedHashMap<>();
            for (Member m : members) {
                old.put(m.instance.address(), m);
            }
            List<Member> next = new ArrayList<>(instances.size());
            for (TeleportInstance instance : instances) {
                Member kept = old.remove(instance.address());
                if (kept == null && next.stream().anyMatch(m -> m.instance.address().equals(instance.address()))) {
                    continue;
                }
                RemoteConnection connection = kept != null ? kept.connection
                        : new RemoteConnection(peer, remote, instance.address(), proto, dialAttributes);
                if (kept == null) {
                    joined.add(connection);
                }
                next.add(new Member(instance, connection));
            }
            for (Member gone : old.values()) {
                retired.add(gone.connection);
            }
            members = List.copyOf(next);
            listed = true;
            dial = connecting;
        }
        if (!joined.isEmpty() || !retired.isEmpty()) {
            log.info("remote '{}' (service {}): {} instance(s) {}{}{}", remote, serviceId, members.size(),
                    addresses(members), joined.isEmpty() ? "" : ", joined " + joined.stream().map(RemoteConnection::address).toList(),
                    retired.isEmpty() ? "" : ", left " + retired.stream().map(RemoteConnection::address).toList());
        }
        Duration grace = peer.config().pullTimeout();
        retired.forEach(c -> c.retire(grace));
        if (dial) {
            joined.forEach(RemoteConnection::connect);
        }
    }

    private static List<String> addresses(List<Member> members) {
        return members.stream().map(m -> m.instance.address()).toList();
    }

    /** Dials every instance, and each that joins later, until {@link #stopConnecting()}. */
    void connect() {
        List<Member> now;
        synchronized (this) {
            connecting = true;
            now = members;
        }
        now.forEach(m -> m.connection.connect());
    }

    void stopConnecting() {
        List<Member> now;
        synchronized (this) {
            connecting = false;
            now = members;
        }
        now.forEach(m -> m.connection.stop());
    }

    /** Whether the registry has listed the service at least once (always, for a fixed address). */
    boolean listed() {
        return listed;
    }

    List<Member> members() {
        return members;
    }

    /**
     * The connection for a call of {@code uri}, or {@code null} when there is none left to try: among
     * instances not {@code tried}, those that are connected or may still connect (not dialed yet, or
     * dialing) and have not said they drain; when none is, any (a redialing session may be back). The fixed address is always the one.
     */
    @Nullable RemoteConnection choose(String uri, @Nullable Set<RemoteConnection> tried) {
        List<Member> now = members;
        if (tried == null && now.size() == 1) {
            return now.get(0).connection;
        }
        List<TeleportInstance> candidates = candidates(now, tried, Tier.READY);
        if (candidates.isEmpty()) {
            candidates = candidates(now, tried, Tier.CONNECTING);
        }
        if (candidates.isEmpty()) {
            candidates = candidates(now, tried, Tier.ANY);
        }
        if (candidates.isEmpty()) {
            return null;
        }
        TeleportInstance chosen = candidates.size() == 1 ? candidates.get(0) : balancer.choose(uri, candidates);
        for (Member m : now) {
            if (m.instance == chosen) {
                return m.connection;
            }
        }
        throw new IllegalStateException("load balancer of remote '" + remote + "' chose " + chosen
                + ", which is not one of the candidates");
    }

    /**
     * Which instances a call is offered, in turn until one tier has any: those ready to take it (or to
     * dial for it: never dialed, or due to dial again), then those with a dial under way (a call there
     * waits for it, which an instance gone silent can make last the dial timeout), then any.
     */
    private enum Tier { READY, CONNECTING, ANY }

    private static List<TeleportInstance> candidates(List<Member> members, @Nullable Set<RemoteConnection> tried,
            Tier tier) {
        List<TeleportInstance> candidates = new ArrayList<>(members.size());
        for (Member m : members) {
            if (tried != null && tried.contains(m.connection)) {
                continue;
            }
            if (tier == Tier.ANY) {
                candidates.add(m.instance);
                continue;
            }
            if (m.connection.isDraining()) {
                continue;
            }
            RemoteState state = m.connection.state();
            boolean offered = tier == Tier.READY
                    ? state == RemoteState.CONNECTED || state == RemoteState.IDLE || m.connection.dialDue()
                    : state == RemoteState.CONNECTING;
            if (offered) {
                candidates.add(m.instance);
            }
        }
        return candidates;
    }

    /** The peer the instances are dialed from. */
    Peer peer() {
        return peer;
    }

    /** One listed instance and its connection. */
    record Member(TeleportInstance instance, RemoteConnection connection) {
    }
}
