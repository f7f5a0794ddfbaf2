package io.teleport.spring.server;

import io.teleport.Peer;
import io.teleport.session.CallOption;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The live sessions of this application's peer, on either side: find one by id, push to the sessions
 * it accepted (its clients), or to those a predicate selects. A broadcast does not go to the servers
 * this application dialed: those are its own remotes, reached through their {@code SessionTemplate}s,
 * and one that is also a client of this application would otherwise get each broadcast twice.
 */
public final class TeleportSessions {

    private final Supplier<Peer> source;
    private volatile @Nullable Peer peer;

    /** The sessions of {@code peer}. */
    public TeleportSessions(Peer peer) {
        this.peer = peer;
        this.source = () -> peer;
    }

    /**
     * The sessions of the peer {@code peer} supplies, asked for at first use: the starter's own bean is
     * made so, since plugin beans, which the peer is built from, may hold it (a presence list that a
     * {@code PostDisconnect} hook keeps).
     */
    public TeleportSessions(Supplier<Peer> peer) {
        this.source = peer;
    }

    private Peer peer() {
        Peer p = peer;
        if (p == null) {
            p = source.get();
            peer = p;
        }
        return p;
    }

    /** The live session with this id. */
    public Optional<Session> find(String id) {
        return peer().session(id);
    }

    /** A snapshot of the live sessions. */
    public Collection<Session> all() {
        return peer().sessions();
    }

    /**
     * The number of live sessions, dialed ones included; the clients alone (the connections this peer
     * accepted) are {@code peer.stats().acceptedConnections()}.
     */
    public int count() {
        return peer().sessionCount();
    }

    /**
     * Pushes to every live session this peer accepted, not to those it dialed; completes with how
     * many sessions the push was handed to (queued on their connections), once each has been handed it
     * or skipped (a slow reader, a hook's refusal).
     */
    public CompletableFuture<Integer> pushAll(String uri, Object body, CallOption... options) {
        return push(session -> !session.dialed(), uri, body, options);
    }

    /**
     * Pushes to the live sessions {@code selector} accepts, dialed ones included, as a broadcast (the
     * body is encoded once); completes with how many sessions the push was handed to, once each has
     * been handed it or skipped.
     */
    public CompletableFuture<Integer> push(Predicate<Session> selector, String uri, Object body, CallOption... options) {
        return peer().pushAll(uri, body, selector, options);
    }
}
