package io.teleport.plugins;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.teleport.codec.JsonCodec;
import io.teleport.limits.DurationSettings;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostAccept;
import io.teleport.plugin.PostDial;
import io.teleport.plugin.PostWritePull;
import io.teleport.plugin.PostWritePush;
import io.teleport.plugin.PreReadHeader;
import io.teleport.plugin.WriteContext;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Heartbeats compatible with tp-ext's on Teleport v3 sessions and with erpc v6's plugin/heartbeat on
 * erpc v6 sessions.
 *
 * <p>On Teleport v3 a ping is an ordinary PULL of {@value #URI} with codec {@code j} and no body,
 * answered with an empty reply. On erpc v6 ({@link Session#proto()} is {@link ErpcRawProto}) it is a
 * CALL of {@value #ERPC_URI} whose meta {@value #ERPC_RATE_KEY} carries the pinging side's rate in whole
 * seconds (vector E41); erpc's pinger may also send it as a PUSH (E43), and its answering side closes a
 * session when twice the announced rate passes without a message.
 *
 * <p>The pinging side ({@link #ping}) pulls every session it has not heard from for the rate and drops
 * its connection when the ping goes unanswered (closes the session when it is answered with an error).
 * The answering side ({@link #pong}) answers both routes (and the erpc push) and drops the connections
 * of sessions idle for more than three rates (of a session it dialed, only once its remote has pinged
 * it: a server it calls pings nobody; drops are said at INFO, at most one line per 10 s); a session whose pinger announced its rate in
 * {@value #ERPC_RATE_KEY} is dropped, as erpc does, after twice that rate instead (at most ten of this
 * side's rates or five minutes, whichever is longer), so that a Go pinger slower than this side's rate
 * is not cut off. The pinging side pings a session it has heard nothing from for the rate, since what
 * it sends proves nothing of the other side (a peer that keeps pushing to a dead one would never find
 * out); on the answering side, as in tp-ext, a message in either direction counts, since a Go pinger
 * that only receives does not ping. A session judged dead has its connection dropped
 * ({@link Session#dropConnection}): one this side dialed dials again when its redials allow.
 */
public final class HeartbeatPlugin implements PostNewPeer, PostDial, PostAccept, PreReadHeader, PostWritePull,
        PostWritePush {

    /** The heartbeat route. */
    public static final String URI = "/heart/beat";
    /** erpc v6's heartbeat service method. */
    public static final String ERPC_URI = "/heartbeat";
    /** The erpc v6 meta key of the pinging side's rate, in whole seconds. */
    public static final String ERPC_RATE_KEY = "hb_";

    private static final Logger log = LoggerFactory.getLogger(HeartbeatPlugin.class);
    /** When the session last showed life: a message received, or on the answering side one sent too. */
    private static final String LAST = HeartbeatPlugin.class.getName() + ".last";
    /** Set while the session's ping is out: one at a time. */
    private static final String PINGING = HeartbeatPlugin.class.getName() + ".pinging";
    /** The longest silence an announced rate may allow: this many of this side's rates, or ... */
    private static final int MAX_ANNOUNCED_RATES = 10;
    /** ... this long, whichever is longer. */
    private static final long MAX_ANNOUNCED_SILENCE_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** Set on a session once its remote pinged it: a session this side dialed is reaped only then. */
    private static final String PINGED = HeartbeatPlugin.class.getName() + ".pinged";
    /** The rate an erpc pinger announced, in nanoseconds. */
    private static final String ANNOUNCED = HeartbeatPlugin.class.getName() + ".announced";

    /** Failed pings are said at INFO at most this often. */
    private static final long INFO_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Duration rate;
    private final AtomicLong lastInfoNanos = new AtomicLong(System.nanoTime() - INFO_EVERY_NANOS);
    /** Silent sessions dropped since the answering side last said so; when it last did. */
    private final AtomicLong reaped = new AtomicLong();
    private final AtomicLong lastReapedInfoNanos = new AtomicLong(System.nanoTime() - INFO_EVERY_NANOS);
    private volatile String latestReaped = "";
    private final boolean ping;

    private HeartbeatPlugin(Duration rate, boolean ping) {
        this.rate = DurationSettings.positive(rate, "rate");
        this.ping = ping;
    }

    /** The side that sends heartbeats every {@code rate}. */
    public static HeartbeatPlugin ping(Duration rate) {
        return new HeartbeatPlugin(rate, true);
    }

    /** The side that answers heartbeats and drops the connections of sessions silent for three rates. */
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
            peer.pullRouter().route(URI, Void.class, (body, ctx) -> pinged(ctx.session()));
            peer.pullRouter().route(ERPC_URI, Void.class, (body, ctx) -> {
                announced(ctx.session(), ctx.meta().peek(ERPC_RATE_KEY));
                return pinged(ctx.session());
            });
            peer.pushRouter().route(ERPC_URI, Void.class, (body, ctx) -> {
                pinged(ctx.session());
                try {
                    announced(ctx.session(), ctx.meta().peek(ERPC_RATE_KEY));
                } catch (RerrorException e) {
                    log.debug("heartbeat push from {}: {}", ctx.session().id(), e.getMessage());
                }
            });
        }
        long period = rate.toNanos();
        // One instance may serve several peers: each has ticks of its own, cancelled when it is closed.
        AtomicReference<ScheduledFuture<?>> ticks = new AtomicReference<>();
        ticks.set(Ticks.THREAD.scheduleAtFixedRate(() -> tick(peer, ticks), period, period, TimeUnit.NANOSECONDS));
    }

    /**
     * One thread for the heartbeats of every peer in the JVM: a tick only looks at sessions and sends
     * pings without waiting for them, and a process with many peers (a device simulator, one per
     * device) would otherwise run a thread for each.
     */
    private static final class Ticks {
        static final ScheduledThreadPoolExecutor THREAD = start();

        private static ScheduledThreadPoolExecutor start() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("teleport-heartbeat", true));
            // A closed peer's ticks leave the queue at once rather than at their next due time, and with
            // no peer left the thread ends (it would hold a redeployed application's class loader).
            e.setRemoveOnCancelPolicy(true);
            e.setKeepAliveTime(10, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            return e;
        }
    }

    private void tick(PeerSetup peer, AtomicReference<ScheduledFuture<?>> ticks) {
        if (peer.isClosed()) {
            ScheduledFuture<?> own = ticks.get();
            if (own != null) {
                own.cancel(false);
            }
            return;
        }
        try {
            tickSessions(peer);
        } catch (RuntimeException e) {
            // A tick that threw would end the ticks of this peer for good (scheduleAtFixedRate).
            log.warn("heartbeat tick failed", e);
        }
    }

    private void tickSessions(PeerSetup peer) {
        long now = System.nanoTime();
        peer.forEachSession(session -> {
            Object last = session.attributes().get(LAST);
            long idle = last == null ? Long.MAX_VALUE : now - (Long) last;
            if (ping) {
                // Under auto, a client that has sent nothing yet has no protocol to ping it in.
                if (idle >= rate.toNanos() && session.isHealthy() && !(session.proto() instanceof AutoProto)
                        && session.attributes().putIfAbsent(PINGING, Boolean.TRUE) == null) {
                    try {
                        pingOnce(session).whenComplete((ok, error) -> {
                            session.attributes().remove(PINGING);
                            if (error != null) {
                                closeUnanswered(session, error);
                            }
                        });
                    } catch (RuntimeException notSent) {
                        session.attributes().remove(PINGING);
                        log.debug("heartbeat to {} not sent: {}", session.id(), notSent.toString());
                    }
                }
            } else if (idle > idleLimit(session) && (!session.dialed() || session.attributes().containsKey(PINGED))) {
                // A session this side dialed is reaped only once its remote showed it pings: a server
                // this side calls (a backend) pings nobody, and its quiet connection is not a dead one.
                log.debug("no heartbeat from {} for {}, closing its connection", session.id(), Duration.ofNanos(idle));
                session.dropConnection("no heartbeat for " + Duration.ofNanos(idle).toMillis() + " ms");
                reaped.incrementAndGet();
                latestReaped = session.id();
            }
            return true;
        });
        long last = lastReapedInfoNanos.get();
        if (reaped.get() > 0 && now - last >= INFO_EVERY_NANOS && lastReapedInfoNanos.compareAndSet(last, now)) {
            log.info("dropped the connections of {} session(s) silent past their heartbeat limit ({} ms, three rates,"
                    + " unless their pinger announced its own) since the last report (at most one line per 10 s; latest: {})",
                    reaped.getAndSet(0), 3 * rate.toMillis(), latestReaped);
        }
    }

    /** The remote of {@code session} pings it; the answer to a ping is empty. */
    private static @Nullable Void pinged(Session session) {
        if (session.dialed()) {
            session.attributes().putIfAbsent(PINGED, Boolean.TRUE);
        }
        return null;
    }

    /**
     * Closes a session whose ping failed, as tp-ext does for any error. Said at INFO (at WARN for a 404,
     * which most often means a side without heartbeats) at most once per {@link #INFO_EVERY_NANOS} (the
     * remote decides how often), else at DEBUG, with the error's code and not its text, which the remote wrote.
     */
    private void closeUnanswered(Session session, Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        int code = cause instanceof RerrorException ? ((RerrorException) cause).rerror().code() : 0;
        if (code == Rerror.CODE_CONNECTION_CLOSED || code == Rerror.CODE_WRITE_FAILED || code == Rerror.CODE_DIAL_FAILED) {
            // Its connection is gone already, and its own close redials or ends it: dropping now would
            // drop whatever connection the session holds by then, perhaps a new one.
            return;
        }
        String why = code != 0 ? "code " + code : cause.getClass().getSimpleName();
        // No answer: the peer or the path to it is dead, and a dialed session redials; a 503 (a full
        // handler pool, a server draining to restart) is a passing state, taken the same way. Another
        // error reply: the peer is there but answers no heartbeats (no pong, a refusal); as tp-ext does,
        // the session ends, since a new connection would get the same.
        boolean noAnswer = code == 0 || code == Rerror.CODE_PULL_TIMEOUT || code == Rerror.CODE_UNAVAILABLE;
        String action = noAnswer ? "dropping its connection" : "closing it";
        String hint = code == Rerror.CODE_NOT_FOUND
                ? " (the other side answers no heartbeats: give it a HeartbeatPlugin.pong)" : "";
        long now = System.nanoTime();
        long last = lastInfoNanos.get();
        if (now - last >= INFO_EVERY_NANOS && lastInfoNanos.compareAndSet(last, now)) {
            // A peer without a pong is a deployment's mistake, met on every session it has, not a passing state.
            log.atLevel(code == Rerror.CODE_NOT_FOUND ? org.slf4j.event.Level.WARN : org.slf4j.event.Level.INFO).log(
                    "heartbeat to {} failed ({}), {}{}; more such in the next 10 s at DEBUG", session.id(), why, action, hint);
        } else {
            log.debug("heartbeat to {} failed ({}), {}{}", session.id(), why, action, hint);
        }
        if (noAnswer) {
            session.dropConnection("heartbeat unanswered (" + why + ")");
        } else {
            session.close();
        }
    }

    /** One ping, in the convention of the session's protocol. */
    private java.util.concurrent.CompletableFuture<?> pingOnce(Session session) {
        if (session.proto() == ErpcRawProto.INSTANCE) {
            // erpc announces whole seconds; rounded up, so the answering side never expects pings sooner.
            long seconds = Math.max(1, (rate.toMillis() + 999) / 1000);
            return session.pullAsync(ERPC_URI, null, Void.class, CallOptions.timeout(rate),
                    CallOptions.bodyCodec(JsonCodec.ID), CallOptions.setMeta(ERPC_RATE_KEY, Long.toString(seconds)));
        }
        return session.pullAsync(URI, null, Void.class, CallOptions.timeout(rate));
    }

    /** How long the session may stay silent: see {@link #idleLimitNanos}. */
    private long idleLimit(Session session) {
        return idleLimitNanos(rate.toNanos(), (Long) session.attributes().get(ANNOUNCED));
    }

    /**
     * Three rates, or twice the rate the session's erpc pinger announced, so that a Go pinger slower
     * than this side is not cut off, but never more than ten of this side's rates or five minutes,
     * whichever is longer: the remote's word alone must not keep a silent connection from the reaper
     * (an announced day kept it two).
     */
    static long idleLimitNanos(long rateNanos, @Nullable Long announcedNanos) {
        if (announcedNanos == null) {
            return 3 * rateNanos;
        }
        return Math.min(2 * announcedNanos, Math.max(MAX_ANNOUNCED_RATES * rateNanos, MAX_ANNOUNCED_SILENCE_NANOS));
    }

    /**
     * Notes the rate an erpc pinger announced; none (an empty value) keeps what was known.
     *
     * @throws RerrorException 400 for a rate that is not a whole number of seconds, as erpc answers it
     */
    private static void announced(Session session, @Nullable String seconds) {
        if (seconds == null || seconds.isEmpty()) {
            return;
        }
        long value;
        try {
            value = Long.parseLong(seconds);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0 || value > TimeUnit.DAYS.toSeconds(1)) {
            throw new RerrorException(Rerror.CODE_BAD_PACKET, "Invalid Heartbeat Rate", seconds);
        }
        if (value > 0) {
            session.attributes().put(ANNOUNCED, TimeUnit.SECONDS.toNanos(value));
        }
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
        // Per connection: a redial may reach another remote (behind a balancer) that pings nobody.
        session.attributes().remove(PINGED);
        return touch(session);
    }

    @Override
    public @Nullable Rerror postAccept(Session session) {
        return touch(session);
    }

    /**
     * Any frame the remote sends says it is alive: a reply that comes too late for its pull (dropped
     * before the reply hooks) too, and, as this runs before any plugin sees the frame, one from a peer
     * that has not authenticated yet (the auth plugin's own timeout closes such a session).
     */
    @Override
    public @Nullable Rerror preReadHeader(Session session) {
        return touch(session);
    }

    @Override
    public @Nullable Rerror postWritePull(WriteContext ctx) {
        // What this side sends says nothing of the other: only the answering side, as tp-ext's, counts it.
        return ping ? null : touch(ctx.session());
    }

    @Override
    public @Nullable Rerror postWritePush(WriteContext ctx) {
        return ping ? null : touch(ctx.session());
    }
}
