package io.teleport.spring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.plugin.AroundHandler;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostDisconnect;
import io.teleport.plugin.PostPullEnd;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PostReadPushHeader;
import io.teleport.plugin.PostReadReplyHeader;
import io.teleport.plugin.PostWritePull;
import io.teleport.plugin.PostWritePush;
import io.teleport.plugin.PostWriteReply;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.RouteInfo;
import io.teleport.plugin.WriteContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.session.Session;
import io.teleport.spring.client.UndialedPulls;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters for a peer, as a plugin.
 *
 * <ul>
 * <li>{@code teleport.pull.handle} and {@code teleport.pull.launch} timers (tags {@code route},
 * {@code code}, {@code outcome}): pulls answered here, and pulls of this side however they ended:
 * with a reply, or with an error of this side's (408 timeout, 102 lost connection, 104 not written,
 * 105 not dialed, a plugin's refusal);</li>
 * <li>{@code teleport.push.handle} counter (tag {@code route}): received pushes once their handler
 * has returned (or thrown), and pushes to no route; {@code teleport.push.launch} timer (tag
 * {@code route});</li>
 * <li>{@code teleport.calls.slow} counter (tags {@code kind}, {@code route}): calls at least as slow
 * as the peer's slow-comet duration;</li>
 * <li>{@code teleport.sessions.active} gauge, {@code teleport.sessions.opened} and
 * {@code teleport.sessions.closed} counters;</li>
 * <li>{@code teleport.data.read} and {@code teleport.data.written} counters (frame bytes);</li>
 * <li>the {@code teleport.limits.*} meters of {@link TeleportLimitsMetrics}: sessions paused, messages
 * refused and connections closed by the peer's limits;</li>
 * <li>Micrometer's {@code netty.allocator.*} meters of Netty's default allocator, which holds the frames:
 * {@code netty.allocator.memory.used} (tag {@code memory.type}) is the direct memory Netty counts itself,
 * which {@code jvm.buffer.memory.used} does not see.</li>
 * </ul>
 *
 * <p>The route tag is the path without the query, never the raw URI; handled pulls and received
 * pushes to no route are tagged {@code NOT_FOUND}, and a pull a plugin refused before routing is tagged
 * with the route its path names when there is one, so a remote peer adds no tag values. Paths on the
 * calling side are the application's: they are tagged as they are for the first 256 distinct ones and
 * {@code OTHER} after. For the same reason the calling side's {@code code} tag is one of Teleport's own codes
 * ({@link #KNOWN_CODES}) or {@code OTHER}: the codes of error replies are the remote peer's choice.
 * Meters are created once per tag set and cached.
 */
public final class MicrometerPlugin implements PostNewPeer, PostDial, PostAccept, PostDisconnect, PostReadPullHeader,
        PostReadPushHeader, PostReadReplyHeader, PostPullEnd, PostWritePull, PostWritePush, PostWriteReply,
        AroundHandler, UndialedPulls {

    /** The codes the calling side tags as themselves: {@link TeleportTags#KNOWN_CODES}. */
    public static final Set<Integer> KNOWN_CODES = TeleportTags.KNOWN_CODES;

    /** The code of {@code OTHER} in meter keys: never a real code's. */
    private static final int OTHER_CODE = Integer.MIN_VALUE;
    /** The session attribute of a connection counted in {@code teleport.sessions.opened}. */
    private static final String COUNTED_OPEN = MicrometerPlugin.class.getName() + ".countedOpen";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<MeterKey, Timer> timers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<MeterKey, Counter> counters = new ConcurrentHashMap<>();
    private final Counter opened;
    private final Counter closed;
    private final Counter bytesRead;
    private final Counter bytesWritten;
    private volatile long slowNanos = Long.MAX_VALUE;
    private volatile PeerSetup peer;
    private final BoundedPaths calledRoutes = new BoundedPaths();
    private final BoundedCodes handledCodes = new BoundedCodes();
    /** Whether the pull timers are recorded here, or come from observations. */
    private final boolean timesPulls;

    private record MeterKey(String name, String route, int code) {
    }

    /** Meters in {@code registry}, the pull timers included. */
    public MicrometerPlugin(MeterRegistry registry) {
        this(registry, true);
    }

    /**
     * Meters in {@code registry}.
     *
     * @param timesPulls whether to record {@code teleport.pull.handle} and {@code teleport.pull.launch}
     *     here; {@code false} when they come from the observations of
     *     {@link io.teleport.spring.observation.TeleportObservationPlugin}, which make timers of those
     *     names and tags through Micrometer's {@code DefaultMeterObservationHandler}
     */
    public MicrometerPlugin(MeterRegistry registry, boolean timesPulls) {
        this.registry = registry;
        this.timesPulls = timesPulls;
        this.opened = Counter.builder("teleport.sessions.opened").description("Sessions opened").register(registry);
        this.closed = Counter.builder("teleport.sessions.closed").description("Sessions closed").register(registry);
        this.bytesRead = Counter.builder("teleport.data.read").baseUnit("bytes").description("Frame bytes read")
                .register(registry);
        this.bytesWritten = Counter.builder("teleport.data.written").baseUnit("bytes").description("Frame bytes written")
                .register(registry);
    }

    @Override
    public String name() {
        return "micrometer";
    }

    /** Recording into Micrometer's meters never blocks: the write and reply hooks stay on the I/O thread. */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        Duration slow = peer.config().slowCometDuration();
        slowNanos = slow.isZero() ? Long.MAX_VALUE : slow.toNanos();
        this.peer = peer;
        Gauge.builder("teleport.sessions.active", peer, PeerSetup::sessionCount).description("Live sessions")
                .register(registry);
        new TeleportLimitsMetrics(peer).bindTo(registry);
        // Where the frames' direct memory shows: Netty counts its own, which jvm.buffer.memory.used does not see.
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider allocator) {
            new NettyAllocatorMetrics(allocator).bindTo(registry);
        }
    }

    @Override
    public Rerror postDial(Session session) {
        countOpened(session);
        return null;
    }

    @Override
    public Rerror postAccept(Session session) {
        countOpened(session);
        return null;
    }

    /**
     * Marks the connection counted: a plugin before this one (auth) that refuses a connection keeps
     * it from being counted opened, but its PostDisconnect still comes, and must not be counted closed.
     */
    private void countOpened(Session session) {
        session.attributes().put(COUNTED_OPEN, Boolean.TRUE);
        opened.increment();
    }

    @Override
    public void postDisconnect(Session session) {
        if (session.attributes().remove(COUNTED_OPEN) != null) {
            closed.increment();
        }
    }

    @Override
    public Rerror postReadPullHeader(ReadContext ctx) {
        bytesRead.increment(ctx.input().size());
        return null;
    }

    @Override
    public Rerror postReadPushHeader(ReadContext ctx) {
        bytesRead.increment(ctx.input().size());
        // A push that no handler will take is counted here; the others once their handler returned
        // (aroundHandler), so that a test waiting for the count sees what the handler did.
        PeerSetup setup = peer;
        if (setup != null && setup.pushRouter().unknown() == null
                && TeleportTags.NOT_FOUND.equals(TeleportTags.namedPushRoute(ctx.input().uri(), setup))) {
            pushesHandled(TeleportTags.NOT_FOUND).increment();
        }
        return null;
    }

    /** Counts a received push when its handler has returned or thrown, and in {@code teleport.calls.slow} when slow. */
    @Override
    public Scope aroundHandler(ReadContext ctx) {
        if (ctx.input().type() != PacketType.PUSH) {
            return Scope.NONE;
        }
        // Tagged by the route, so that the paths a remote sends cannot use up the tag values of this
        // side's own calls; NOT_FOUND for the unknown-push handler.
        PeerSetup setup = peer;
        RouteInfo route = ctx.route();
        String tag = route == null || setup == null || route == setup.pushRouter().unknown() ? TeleportTags.NOT_FOUND : route.path();
        Counter handled = pushesHandled(tag);
        return () -> {
            handled.increment();
            // As slow as the message log's push-handle alarm: from the push's arrival to its handler's return.
            countIfSlow("push-handle", tag, System.nanoTime() - ctx.startNanos());
        };
    }

    @Override
    public Rerror postReadReplyHeader(ReadContext ctx) {
        bytesRead.increment(ctx.input().size());
        return null;
    }

    /** Every pull of this side, timed once it has ended, with the code its caller got. */
    @Override
    public void postPullEnd(ReadContext ctx) {
        record("teleport.pull.launch", "pull-launch", bounded(path(ctx.output().uri())), knownOrOther(code(ctx.input())),
                ctx.startNanos());
    }

    /** A pull that never reached a session: the remote could not be dialed (105). */
    @Override
    public void pullNotDialed(String remote, String uri, Rerror rerror, long startNanos) {
        record("teleport.pull.launch", "pull-launch", bounded(path(uri)), knownOrOther(rerror.code()), startNanos);
    }

    @Override
    public Rerror postWritePull(WriteContext ctx) {
        bytesWritten.increment(ctx.output().size());
        return null;
    }

    @Override
    public Rerror postWritePush(WriteContext ctx) {
        bytesWritten.increment(ctx.output().size());
        record("teleport.push.launch", "push-launch", bounded(path(ctx.output().uri())), 0, ctx.startNanos());
        return null;
    }

    @Override
    public Rerror postWriteReply(WriteContext ctx) {
        bytesWritten.increment(ctx.output().size());
        int code = code(ctx.output());
        record("teleport.pull.handle", "pull-handle", TeleportTags.handledRoute(ctx, peer),
                handledCodes.tagged(code) ? code : OTHER_CODE, ctx.startNanos());
        return null;
    }

    private void record(String name, String kind, String route, int code, long startNanos) {
        long cost = System.nanoTime() - startNanos;
        if (timesPulls || !name.startsWith("teleport.pull")) {
            timer(name, route, code).record(cost, TimeUnit.NANOSECONDS);
        }
        countIfSlow(kind, route, cost);
    }

    private void countIfSlow(String kind, String route, long costNanos) {
        if (costNanos >= slowNanos) {
            counters.computeIfAbsent(new MeterKey("teleport.calls.slow:" + kind, route, 0), k -> Counter
                    .builder("teleport.calls.slow").tag("kind", kind).tag("route", route)
                    .description("Calls at least as slow as the slow-comet duration").register(registry)).increment();
        }
    }

    private Timer timer(String name, String route, int code) {
        return timers.computeIfAbsent(new MeterKey(name, route, code), k -> {
            Timer.Builder builder = Timer.builder(name).tag("route", route);
            if (!name.startsWith("teleport.push")) {
                builder.tag("code", code == OTHER_CODE ? TeleportTags.OTHER : Integer.toString(code))
                        .tag("outcome", TeleportTags.outcome(code));
            }
            return builder.register(registry);
        });
    }

    private Counter pushesHandled(String route) {
        return counters.computeIfAbsent(new MeterKey("teleport.push.handle", route, 0), k -> Counter
                .builder("teleport.push.handle").tag("route", route).description("Pushes handled").register(registry));
    }

    private static int code(Packet reply) {
        return TeleportTags.code(reply);
    }

    private static int knownOrOther(int code) {
        return KNOWN_CODES.contains(code) ? code : OTHER_CODE;
    }

    private String bounded(String path) {
        return calledRoutes.tag(path);
    }

    private static String path(String uri) {
        return TeleportTags.path(uri);
    }
}
