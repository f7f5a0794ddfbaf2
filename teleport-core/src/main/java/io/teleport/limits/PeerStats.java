package io.teleport.limits;

import io.teleport.Peer;

/**
 * What the {@link Limits} of a peer have done so far: how often sessions were slowed down, and what
 * was refused or dropped and why. Counters only grow; gauges are read when asked. Thread-safe;
 * {@link Peer#stats()} returns the live view, for metrics.
 */
public interface PeerStats {

    /** Times a session stopped being read: too much in flight, not writable, or no inbound room. */
    long readPauses();

    /** Sessions not being read right now. */
    int pausedSessions();

    /** Bytes of inbound frames held now (see {@link Limits#maxInboundBytes()}). */
    long inboundBytes();

    /**
     * Bytes of outbound frames held now: what the sessions have queued and not yet written to their
     * sockets, or hold for a redial, with the body a broadcast's frames share counted once (see
     * {@link Limits#maxOutboundBytes()}). Summed over the sessions when read: for metrics, not a hot path.
     * 0 where it is not counted.
     */
    default long outboundBytes() {
        return 0;
    }

    /** Pulls answered {@code 503} because no handler slot was free (queue full or shut down). */
    long pullsRefused();

    /** Pushes dropped because no handler slot was free. */
    long pushesRefused();

    /**
     * Pushes dropped before their handler for what they were: a path with no route (and no unknown-push
     * handler), a body that did not decode into the route's type, or a plugin's refusal. A push has
     * no reply to carry the error, so this and the log (one WARN line per interval) are all that say so.
     */
    default long pushesDropped() {
        return 0;
    }

    /**
     * Pulls answered {@code 503} ("shutting down") and pushes dropped because they arrived while the
     * peer drained: the shutdown's own refusals, apart from those of saturation.
     */
    default long drainRefused() {
        return 0;
    }

    /** Pulls answered {@code 503} and pushes dropped because they waited longer than {@link Limits#maxQueueWait()}. */
    long expired();

    /**
     * Pulls answered {@code 408} because the stage their handler returned did not complete within
     * {@link io.teleport.config.PeerConfig#asyncHandlerTimeout()}.
     */
    default long asyncHandlerTimeouts() {
        return 0;
    }

    /**
     * Replies dropped because no pull of this side's waits for them: late ones, whose pull ended at its
     * timeout (the remote answered later than this side waited), and the few strays each session lets
     * pass (a Go peer writes the replies of a broken connection's pulls on the one it redialed). Past
     * those allowances such replies close the connection.
     */
    default long lateReplies() {
        return 0;
    }

    /** Pulls dropped because their connection closed before a handler took them (nobody would get the reply). */
    long droppedClosed();

    /** This side's pulls and pushes failed with {@code 104} because their session's outbound bytes were at the limit. */
    long outboundRefused();

    /** This side's pulls awaiting their replies now, over all sessions (see {@link Limits#maxPendingPulls()}). */
    default long pendingPulls() {
        return 0;
    }

    /**
     * This side's pulls failed at once with {@code 104}, not sent, because their session or the peer had
     * as many awaiting replies as {@link Limits#maxPendingPullsPerSession()} or {@link Limits#maxPendingPulls()}.
     */
    default long pendingPullsRefused() {
        return 0;
    }

    /**
     * Sessions a broadcast skipped: their outbound bytes were at the limit, or it could not frame for
     * them (under {@code auto}, a connection that has received nothing yet has no protocol).
     */
    long broadcastSkipped();

    /** Connections closed for a frame that broke a limit or the protocol (size, URI, metadata, filters, format). */
    long badFrames();

    /** Connections closed because a frame did not arrive whole within {@link Limits#frameReadTimeout()}. */
    long frameReadTimeouts();

    /** Accepted connections closed because nothing happened on them within {@link Limits#handshakeTimeout()}. */
    long handshakeTimeouts();

    /**
     * Connections closed at {@link Limits#maxConnections()} because their address held more than half of
     * the places: idle ones (nothing received or sent, nothing in flight, between two looks a tenth of
     * {@link Limits#handshakeTimeout()} apart, at least a second) to make room for other addresses'
     * waiting connections, and new ones past a full waiting line or giving their spot in it to another's.
     */
    default long crowdedAddressCloses() {
        return 0;
    }

    /**
     * Connections whose TLS failed, on either side: a handshake refused (a certificate, a protocol) or
     * broken off, a record that could not be read, or a renegotiation the other side started, which
     * this peer refuses since each costs a full handshake; a dial's handshake not finished within the
     * dial timeout too. An accepted connection's handshake not finished in time is one of the
     * {@link #handshakeTimeouts()}.
     */
    default long tlsFailures() {
        return 0;
    }

    /** Connections closed because the other side read none of their queued bytes within {@link Limits#writeStallTimeout()}. */
    long writeStalls();

    /**
     * Connections closed because the replies queued for them, unread while the connection took no
     * more, would have passed {@link Limits#maxOutboundBytesPerSession()}.
     */
    long unreadReplyCloses();

    /** Connections accepted by the peer's listeners and open now (see {@link Limits#maxConnections()}). */
    int acceptedConnections();

    /** Times the listeners stopped accepting because {@link Limits#maxConnections()} were open. */
    long acceptPauses();

    /** Connections accepted past {@link Limits#maxConnections()} in the same batch, closed at once. */
    long connectionsRefused();

    /** Connections closed at once because their address held {@link Limits#maxConnectionsPerAddress()}. */
    long connectionsRefusedPerAddress();

    /**
     * Threads of the handler pool now (with virtual threads, one per handler running); 0 when handlers
     * run inline or on an application's executor that is not a {@code ThreadPoolExecutor}.
     */
    int handlerThreads();

    /** Handlers running on the handler executor now (with the pool, its own short tasks too); 0 as above. */
    int handlersRunning();

    /** Messages waiting for a handler thread now (see {@code PeerConfig.handlerQueueCapacity()}); 0 as above. */
    int handlersQueued();
}
