package io.teleport.plugins;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PostReadPushHeader;
import io.teleport.plugin.PostReadReplyHeader;
import io.teleport.plugin.PostWritePull;
import io.teleport.plugin.PostWritePush;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Heartbeats compatible with tp-ext's: a ping is an ordinary PULL of {@value #URI} with codec
 * {@code j} and no body, answered with an empty reply.
 *
 * <p>The pinging side ({@link #ping}) pulls every session that has been idle for the rate and closes
 * it when the ping fails. The answering side ({@link #pong}) registers the route and closes sessions
 * idle for more than three rates. Any message in either direction counts as activity.
 */
public final class HeartbeatPlugin implements PostNewPeer, PostDial, PostAccept, PostReadPullHeader,
        PostReadPushHeader, PostReadReplyHeader, PostWritePull, PostWritePush {

    /** The heartbeat route. */
    public static final String URI = "/heart/beat";

    private static final Logger log = LoggerFactory.getLogger(HeartbeatPlugin.class);
    private static final String LAST = HeartbeatPlugin.class.getName() + ".last";

    private final Duration rate;
    private final boolean ping;
    private volatile @Nullable ScheduledExecutorService ticker;

    private HeartbeatPlugin(Duration rate, boolean ping) {
        Objects.requireNonNull(rate, "rate");
        if (rate.isNegative() || rate.isZero()) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: > 0)");
        }
        this.rate = rate;
        this.ping = ping;
    }

    /** The side that sends heartbeats every {@code rate}. */
    public static HeartbeatPlugin ping(Duration rate) {
        return new HeartbeatPlugin(rate, true);
    }

    /** The side that answers heartbeats and closes sessions silent for three rates. */
    public static HeartbeatPlugin pong(Duration rate) {
        return new HeartbeatPlugin(rate, false);
    }

    @Override
    public String name() {
        return ping ? "heartbeat-ping" : "heartbeat-pong";
    }

    @Override
    public void postNewPeer(PeerSetup peer) {
        if (!ping) {
            peer.pullRouter().route(URI, Void.class, (body, ctx) -> null);
        }
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("teleport-heartbeat", true));
        ticker = t;
        long period = rate.toNanos();
        t.scheduleAtFixedRate(() -> tick(peer, t), period, period, TimeUnit.NANOSECONDS);
    }

    private void tick(PeerSetup peer, ScheduledExecutorService t) {
        if (peer.isClosed()) {
            t.shutdown();
            return;
        }
        long now = System.nanoTime();
        peer.forEachSession(session -> {
            Object last = session.attributes().get(LAST);
            long idle = last == null ? Long.MAX_VALUE : now - (Long) last;
            if (ping) {
                if (idle >= rate.toNanos() && session.isHealthy()) {
                    session.pullAsync(URI, null, Void.class, CallOptions.timeout(rate)).whenComplete((ok, error) -> {
                        if (error != null) {
                            log.debug("heartbeat to {} failed, closing: {}", session.id(), error.getMessage());
                            session.close();
                        }
                    });
                }
            } else if (idle > 3 * rate.toNanos()) {
                log.debug("no heartbeat from {} for {}, closing", session.id(), Duration.ofNanos(idle));
                session.close();
            }
            return true;
        });
    }

    /** Its hooks only note the time in a session attribute. */
    @Override
    public boolean nonBlocking() {
        return true;
    }

    private static @Nullable Rerror touch(Session session) {
        session.attributes().put(LAST, System.nanoTime());
        return null;
    }

    @Override
    public @Nullable Rerror postDial(Session session) {
        return touch(session);
    }

    @Override
    public @Nullable Rerror postAccept(Session session) {
        return touch(session);
    }

    @Override
    public @Nullable Rerror postReadPullHeader(ReadContext ctx) {
        return touch(ctx.session());
    }

    @Override
    public @Nullable Rerror postReadPushHeader(ReadContext ctx) {
        return touch(ctx.session());
    }

    @Override
    public @Nullable Rerror postReadReplyHeader(ReadContext ctx) {
        return touch(ctx.session());
    }

    @Override
    public @Nullable Rerror postWritePull(WriteContext ctx) {
        return touch(ctx.session());
    }

    @Override
    public @Nullable Rerror postWritePush(WriteContext ctx) {
        return touch(ctx.session());
    }
}
