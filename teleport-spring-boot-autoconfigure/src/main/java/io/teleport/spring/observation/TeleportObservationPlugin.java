package io.teleport.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.AroundHandler;
import io.teleport.plugin.PostPullEnd;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PostWriteReply;
import io.teleport.plugin.PreWritePull;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.RouteInfo;
import io.teleport.plugin.WriteContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.spring.client.UndialedPulls;
import io.teleport.spring.metrics.BoundedPaths;
import io.teleport.spring.metrics.TeleportTags;
import org.jspecify.annotations.Nullable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pulls as Micrometer observations, so that one instrumentation gives the {@code teleport.pull.handle}
 * and {@code teleport.pull.launch} timers (through the registry's {@code DefaultMeterObservationHandler})
 * and, with Micrometer Tracing, spans whose context travels in the messages' metadata.
 *
 * <ul>
 * <li>A received pull is observed from its first hook ({@code PostReadPullHeader}) until its reply is
 * written, as a {@link TeleportServerContext} that continues the caller's trace; its observation is
 * in scope on the handler thread while the handler runs ({@link AroundHandler}), so the pulls the
 * handler makes are its children.</li>
 * <li>A pull of this side is observed from {@code PreWritePull}, where its observation starts (as a
 * child of the current one) and the propagator writes the trace context into its metadata, until
 * {@code PostPullEnd}, which every pull reaches however it ended; an undialed pull ({@code 105}) is
 * observed when its template reports it. A pull that ended with an error (a reply's, or this side's
 * 408, 102, 104, 105) ends its observation with that error as a {@link RerrorException}; a pull answered
 * here with an error because its handler threw, with what the handler threw.</li>
 * </ul>
 *
 * <p>A pull refused before this plugin's first hook (by an earlier plugin, such as auth, or a full
 * handler executor) is observed at its end only, so its timer records it with a duration of about
 * zero. Pushes are not observed. The hooks never block, so the write hooks stay on the I/O thread.
 */
public final class TeleportObservationPlugin implements PostNewPeer, PostReadPullHeader, AroundHandler, PostWriteReply,
        PreWritePull, PostPullEnd, UndialedPulls {

    private final ObservationRegistry registry;
    private final @Nullable TeleportServerObservationConvention serverConvention;
    private final @Nullable TeleportClientObservationConvention clientConvention;
    // One each for every pull: the handled codes' bound (the first 64, then OTHER) lives in the convention.
    private final DefaultTeleportServerObservationConvention defaultServerConvention =
            new DefaultTeleportServerObservationConvention();
    private final DefaultTeleportClientObservationConvention defaultClientConvention =
            new DefaultTeleportClientObservationConvention();
    private final BoundedPaths calledPaths = new BoundedPaths();
    /** Observations in flight, by the context object the core hands every hook of one message. */
    private final Map<Object, Observation> inFlight = new ConcurrentHashMap<>();
    private volatile @Nullable PeerSetup peer;

    /** Observations in {@code registry}, named by the default conventions. */
    public TeleportObservationPlugin(ObservationRegistry registry) {
        this(registry, null, null);
    }

    /**
     * Observations in {@code registry}.
     *
     * @param serverConvention replaces {@link DefaultTeleportServerObservationConvention}, if given
     * @param clientConvention replaces {@link DefaultTeleportClientObservationConvention}, if given
     */
    public TeleportObservationPlugin(ObservationRegistry registry,
            @Nullable TeleportServerObservationConvention serverConvention,
            @Nullable TeleportClientObservationConvention clientConvention) {
        this.registry = registry;
        this.serverConvention = serverConvention;
        this.clientConvention = clientConvention;
    }

    @Override
    public String name() {
        return "observation";
    }

    /** Starting and stopping observations does not block: the reply and end hooks stay where they arise. */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        this.peer = peer;
    }

    // ------------------------------------------------------------ answering

    @Override
    public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
        inFlight.put(ctx, serverObservation(ctx.input(), TeleportTags.namedRoute(ctx.input().uri(), peer),
                ctx.session().remoteAddress().toString()).start());
        return null;
    }

    /** Puts the pull's observation in scope while its handler runs; pushes have none. */
    @Override
    public Scope aroundHandler(ReadContext ctx) {
        Observation observation = inFlight.get(ctx);
        if (observation == null) {
            return Scope.NONE;
        }
        RouteInfo route = ctx.route();
        if (route != null) {
            ((TeleportServerContext) observation.getContext()).route(route.path());
        }
        return observation.openScope()::close;
    }

    @Override
    public @Nullable Rerror postWriteReply(WriteContext ctx) {
        Observation observation = inFlight.remove(ctx);
        Packet pull = ctx.input();
        if (observation == null) {
            if (pull == null) {
                return null;
            }
            observation = serverObservation(pull, TeleportTags.namedRoute(pull.uri(), peer),
                    ctx.session().remoteAddress().toString()).start();
        }
        TeleportServerContext context = (TeleportServerContext) observation.getContext();
        context.route(TeleportTags.handledRoute(ctx, peer));
        Packet reply = ctx.output();
        context.code(TeleportTags.code(reply));
        Rerror rerror = TeleportTags.rerror(reply);
        Throwable failure = ctx.handlerFailure();
        // What the handler threw rather than the error it became: the span and the error tag name it.
        stop(observation, rerror == null ? null : failure != null ? failure : new RerrorException(rerror));
        return null;
    }

    private Observation serverObservation(Packet pull, String route, String remote) {
        TeleportServerContext context = new TeleportServerContext(pull, route, remote);
        // Its parent is the caller's span, from the metadata: never whatever is current on this thread.
        return Observation.createNotStarted(serverConvention, defaultServerConvention,
                () -> context, registry).parentObservation(null);
    }

    // ------------------------------------------------------------ calling

    @Override
    public @Nullable Rerror preWritePull(WriteContext ctx) {
        inFlight.put(ctx, clientObservation(ctx.output(), ctx.session().remoteAddress().toString()).start());
        return null;
    }

    @Override
    public void postPullEnd(ReadContext ctx) {
        Observation observation = inFlight.remove(ctx);
        Packet pull = ctx.output();
        if (observation == null && pull != null) {
            // Refused by an earlier PreWritePull plugin: observed at its end only.
            observation = clientObservation(pull, ctx.session().remoteAddress().toString()).start();
        }
        if (observation != null) {
            ((TeleportClientContext) observation.getContext()).code(TeleportTags.code(ctx.input()));
            stop(observation, TeleportTags.rerror(ctx.input()));
        }
    }

    /** A pull that never had a session: observed now, with the {@code 105} its caller got. */
    @Override
    public void pullNotDialed(String remote, String uri, Rerror rerror, long startNanos) {
        Observation observation = clientObservation(new Packet(PacketType.PULL).uri(uri), remote).start();
        ((TeleportClientContext) observation.getContext()).code(rerror.code());
        stop(observation, rerror);
    }

    private Observation clientObservation(Packet pull, String remote) {
        TeleportClientContext context = new TeleportClientContext(pull, calledPaths.tag(TeleportTags.path(pull.uri())),
                remote);
        Observation observation = Observation.createNotStarted(clientConvention,
                defaultClientConvention, () -> context, registry);
        return observation.parentObservation(registry.getCurrentObservation());
    }

    // ------------------------------------------------------------ shared

    /** Ends an observation, with the error its pull ended with, if any. */
    private static void stop(Observation observation, @Nullable Rerror rerror) {
        stop(observation, rerror == null ? null : new RerrorException(rerror));
    }

    private static void stop(Observation observation, @Nullable Throwable error) {
        if (error != null) {
            observation.error(error);
        }
        observation.stop();
    }
}
