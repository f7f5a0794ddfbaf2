package io.teleport.spring.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.teleport.limits.PeerStats;
import io.teleport.plugin.setup.PeerSetup;

import java.util.function.ToLongFunction;

/**
 * Meters of what a peer's {@link io.teleport.limits.Limits} did, read from {@link PeerSetup#stats()} when the
 * registry is scraped (nothing is recorded per message):
 *
 * <ul>
 * <li>{@code teleport.limits.read.pauses} counter: times a session stopped being read (too much in
 * flight, not writable, or no inbound room);</li>
 * <li>{@code teleport.limits.refused} counter, tag {@code reason}: {@code pull-handlers-full} (pulls
 * answered 503, no handler slot), {@code push-handlers-full} (pushes dropped, no handler slot),
 * {@code push-dropped} (pushes dropped before their handler: no route, a body that did not decode, a
 * plugin's refusal),
 * {@code draining} (pulls answered 503 and pushes dropped while the peer drained, or their session
 * closed gracefully: a shutdown, or a session the application or the actuator closed, not saturation),
 * {@code queue-wait} (pulls answered 503 and pushes dropped after waiting past max-queue-wait),
 * {@code async-timeout} (pulls answered 408: the stage their handler returned did not complete within
 * handler.async-timeout),
 * {@code session-closed} (pulls dropped because their connection closed first), {@code outbound-full}
 * (this side's pulls and pushes failed with 104), {@code broadcast-skipped} (sessions a
 * broadcast skipped) and {@code pending-pulls} (this side's pulls failed with 104, not sent, at
 * max-pending-pulls-per-session or max-pending-pulls);</li>
 * <li>{@code teleport.limits.connections.closed} counter, tag {@code reason}: {@code bad-frame},
 * {@code frame-read-timeout}, {@code handshake-timeout}, {@code crowded-address} (connections of an
 * address holding over half of max-connections, closed at the bound for others' waiting ones), {@code write-stall} (a reader that took
 * nothing for write-stall-timeout), {@code replies-unread} (unread replies past
 * max-outbound-bytes-per-session), {@code max-connections} (accepted past the bound in one batch),
 * {@code max-connections-per-address} (refused: their address held max-connections-per-address);</li>
 * <li>{@code teleport.limits.replies.late} counter: replies dropped because no pull waits for them: late
 * ones (the remote answered after the pull's timeout), and the few strays a session lets pass;</li>
 * <li>{@code teleport.limits.accept.pauses} counter: times the listeners stopped accepting at
 * max-connections;</li>
 * <li>{@code teleport.limits.connections.accepted} gauge: accepted connections open now, and
 * {@code teleport.limits.connections.max}, the peer's max-connections, to graph it against;</li>
 * <li>{@code teleport.limits.pulls.pending} gauge: this side's pulls awaiting their replies now;</li>
 * <li>{@code teleport.limits.sessions.paused} gauge: sessions not being read now;</li>
 * <li>{@code teleport.limits.inbound.bytes} gauge: inbound frame bytes held now, and
 * {@code teleport.limits.inbound.max.bytes}, the peer's max-inbound-bytes, to graph it against;</li>
 * <li>{@code teleport.limits.outbound.bytes} gauge: bytes of outbound frames the sessions hold to write
 * now, the body a broadcast's frames share counted once;</li>
 * <li>{@code teleport.handlers.threads}, {@code teleport.handlers.running} and
 * {@code teleport.handlers.queued} gauges: the handler pool's threads, the handlers running and the
 * messages waiting for a thread now (0 when handlers run inline).</li>
 * </ul>
 *
 * <p>The reason tags are this fixed set, so the meters stay bounded whatever the remote peers send.
 * Meters hold the stats weakly, as Micrometer's function meters do: a discarded peer's meters read NaN.
 * {@link MicrometerPlugin} binds them for its peer.
 */
public final class TeleportLimitsMetrics implements MeterBinder {

    private final PeerStats stats;
    private final long maxInboundBytes;
    private final int maxConnections;

    /** Meters of {@code peer}'s stats. */
    public TeleportLimitsMetrics(PeerSetup peer) {
        this(peer.stats(), peer.config().limits().maxInboundBytes(), peer.config().limits().maxConnections());
    }

    TeleportLimitsMetrics(PeerStats stats, long maxInboundBytes, int maxConnections) {
        this.stats = stats;
        this.maxInboundBytes = maxInboundBytes;
        this.maxConnections = maxConnections;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "teleport.limits.read.pauses", null, PeerStats::readPauses,
                "Times a session stopped being read: too much in flight, not writable, or no inbound room");
        // One description per meter name: registries such as Prometheus keep one help text per name.
        String refused = "teleport.limits.refused";
        String refusedHelp = "Messages refused or dropped by the peer's limits, by reason";
        counter(registry, refused, "pull-handlers-full", PeerStats::pullsRefused, refusedHelp);
        counter(registry, refused, "push-handlers-full", PeerStats::pushesRefused, refusedHelp);
        counter(registry, refused, "push-dropped", PeerStats::pushesDropped, refusedHelp);
        counter(registry, refused, "draining", PeerStats::drainRefused, refusedHelp);
        counter(registry, refused, "queue-wait", PeerStats::expired, refusedHelp);
        counter(registry, refused, "async-timeout", PeerStats::asyncHandlerTimeouts, refusedHelp);
        counter(registry, refused, "session-closed", PeerStats::droppedClosed, refusedHelp);
        counter(registry, refused, "outbound-full", PeerStats::outboundRefused, refusedHelp);
        counter(registry, refused, "broadcast-skipped", PeerStats::broadcastSkipped, refusedHelp);
        counter(registry, refused, "pending-pulls", PeerStats::pendingPullsRefused, refusedHelp);
        String closed = "teleport.limits.connections.closed";
        String closedHelp = "Connections closed by the peer's limits, by reason";
        counter(registry, closed, "bad-frame", PeerStats::badFrames, closedHelp);
        counter(registry, closed, "frame-read-timeout", PeerStats::frameReadTimeouts, closedHelp);
        counter(registry, closed, "handshake-timeout", PeerStats::handshakeTimeouts, closedHelp);
        counter(registry, closed, "crowded-address", PeerStats::crowdedAddressCloses, closedHelp);
        counter(registry, closed, "tls", PeerStats::tlsFailures, closedHelp);
        counter(registry, closed, "write-stall", PeerStats::writeStalls, closedHelp);
        counter(registry, closed, "replies-unread", PeerStats::unreadReplyCloses, closedHelp);
        counter(registry, closed, "max-connections", PeerStats::connectionsRefused, closedHelp);
        counter(registry, closed, "max-connections-per-address", PeerStats::connectionsRefusedPerAddress, closedHelp);
        counter(registry, "teleport.limits.replies.late", null, PeerStats::lateReplies,
                "Replies dropped because no pull waits for them: after its timeout, or strays");
        counter(registry, "teleport.limits.accept.pauses", null, PeerStats::acceptPauses,
                "Times the listeners stopped accepting because max-connections were open");
        Gauge.builder("teleport.limits.connections.accepted", stats, PeerStats::acceptedConnections)
                .description("Connections accepted by the peer's listeners and open now").register(registry);
        int maxOpen = maxConnections;
        Gauge.builder("teleport.limits.connections.max", stats, s -> maxOpen)
                .description("The most accepted connections open at once (max-connections)").register(registry);

        Gauge.builder("teleport.limits.pulls.pending", stats, PeerStats::pendingPulls)
                .description("This side's pulls awaiting their replies now").register(registry);
        Gauge.builder("teleport.limits.sessions.paused", stats, PeerStats::pausedSessions)
                .description("Sessions not being read now").register(registry);
        Gauge.builder("teleport.limits.inbound.bytes", stats, PeerStats::inboundBytes).baseUnit("bytes")
                .description("Bytes of inbound frames the peer holds now").register(registry);
        Gauge.builder("teleport.limits.outbound.bytes", stats, PeerStats::outboundBytes).baseUnit("bytes")
                .description("Bytes of outbound frames the sessions hold to write now, a broadcast's shared body once")
                .register(registry);
        long max = maxInboundBytes;
        Gauge.builder("teleport.limits.inbound.max.bytes", stats, s -> max).baseUnit("bytes")
                .description("The most bytes of inbound frames the peer holds at once (max-inbound-bytes)")
                .register(registry);
        Gauge.builder("teleport.handlers.threads", stats, PeerStats::handlerThreads)
                .description("Threads of the handler pool now (with virtual threads, one per handler running)")
                .register(registry);
        Gauge.builder("teleport.handlers.running", stats, PeerStats::handlersRunning)
                .description("Handlers running now").register(registry);
        Gauge.builder("teleport.handlers.queued", stats, PeerStats::handlersQueued)
                .description("Messages waiting for a handler thread now").register(registry);
    }

    private void counter(MeterRegistry registry, String name, String reason, ToLongFunction<PeerStats> value,
            String description) {
        FunctionCounter.Builder<PeerStats> builder = FunctionCounter
                .builder(name, stats, s -> value.applyAsLong(s)).description(description);
        if (reason != null) {
            builder.tag("reason", reason);
        }
        builder.register(registry);
    }
}
