package io.teleport.internal.session;

import io.netty.util.Timeout;
import io.teleport.internal.log.LogText;
import io.teleport.proto.Proto;
import io.teleport.transport.Network;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Dials a broken dialed session's address again: the first attempt after
 * {@link io.teleport.config.PeerConfig#redialInterval()}, each next one after twice the wait (with jitter,
 * up to {@link io.teleport.config.PeerConfig#redialMaxInterval()}), until one connects, the session no longer
 * wants it, or {@link io.teleport.config.PeerConfig#redialTimes()} attempts failed. Attempts start on an I/O
 * thread's timer; name lookups happen off it (the {@link Dialer} does them).
 *
 * <p>An outage is logged, not flooded: one WARN when the connection is lost, one for the first failed
 * attempt and one per {@value #LOG_EVERY} after. A connection that breaks again before it has stayed up
 * for the longest wait (a server that accepts, then refuses, such as TLS refusing the client's
 * certificate) does not start a new outage: it counts as one more failed attempt, and the waits keep
 * growing, so that neither the log nor the dialing spins.
 */
final class Redialer {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    /** After the first failed attempt of an outage, one line per this many. */
    static final int LOG_EVERY = 10;

    private final DefaultSession session;
    private final PeerContext peer;
    private final String address;
    private final @Nullable Proto proto;
    private volatile @Nullable Timeout next;
    /** Failed attempts of the current outage; attempts run one after the other, never at once. */
    private volatile int failures;
    /** The wait before the next attempt, before jitter; 0 before the first outage. */
    private volatile long delayNanos;
    private volatile @Nullable Throwable failure;

    Redialer(DefaultSession session, PeerContext peer, String address, @Nullable Proto proto) {
        this.session = session;
        this.peer = peer;
        this.address = address;
        this.proto = proto;
    }

    /**
     * The connection made at {@code connectedAt} broke: start redialing. {@code silent}: the remote
     * closed it with no frame come in on it; when it was up only briefly too, the lines say so, as a
     * client on another protocol than its server's would otherwise only see redials that succeed (a
     * client that only pushes hears nothing either, and its connection lives long).
     */
    void start(Instant connectedAt, boolean silent) {
        long upNanos = Duration.between(connectedAt, Instant.now()).toNanos();
        if (upNanos < 0) {
            // The wall clock stepped back meanwhile: how long it was up is unknown, so not "briefly".
            upNanos = Long.MAX_VALUE;
        }
        String why = silent && upNanos < peer.config.redialMaxInterval().toNanos() ? "; the remote closed it"
                + " without sending a frame: another protocol or TLS on that side only, a refusal (a connection"
                + " limit, or its auth plugin: a push before this side's handshake, or no handshake in time), or a"
                + " stop; its log says which" : "";
        if (delayNanos == 0 || upNanos >= peer.config.redialMaxInterval().toNanos()) {
            failures = 0;
            delayNanos = peer.config.redialInterval().toNanos();
            peer.logs.lostLines.warn(log, session.id(), "connection lost, redialing (network:{}, addr:{}, id:{}){}",
                    network(), address, session.id(), why);
            schedule();
            return;
        }
        // Up again only briefly: the same outage goes on.
        failed(new IllegalStateException("connected, then lost again after " + TimeUnit.NANOSECONDS.toMillis(upNanos)
                + " ms" + why));
    }

    /** A redial connected: the outage is over, though a connection that breaks again at once resumes it. */
    void connected() {
        failure = null;
    }

    /** Why the latest attempt failed; {@code null} when none has since the last connection. */
    @Nullable Throwable failure() {
        return failure;
    }

    /** The session closed while redialing: no further attempt. */
    void cancel() {
        Timeout task = next;
        if (task != null) {
            task.cancel();
        }
    }

    private void schedule() {
        long delay = delayNanos;
        long jittered = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        try {
            next = peer.timer.newTimeout(timeout -> {
                if (!session.wantsRedial()) {
                    session.giveUp(new IllegalStateException("session closed"));
                    return;
                }
                peer.dialer.dial(address, proto, session, Map.of()).whenComplete((connected, error) -> {
                    if (error != null) {
                        failed(error);
                    }
                });
            }, jittered, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException | RejectedExecutionException shuttingDown) {
            // The timer stopped: the peer is shutting down.
            session.giveUp(shuttingDown);
        }
    }

    /** An attempt failed: log it if it is the first or a {@value #LOG_EVERY}th, then try again or give up. */
    private void failed(Throwable error) {
        int attempt = ++failures;
        failure = error;
        int times = peer.config.redialTimes();
        boolean again = (times < 0 || attempt < times) && session.wantsRedial();
        delayNanos = Math.min(delayNanos * 2, peer.config.redialMaxInterval().toNanos());
        if (again && (attempt == 1 || attempt % LOG_EVERY == 0)) {
            peer.logs.redialFailedLines.warn(log, session.id(),
                    "redial attempt {} failed (network:{}, addr:{}, id:{}): {}; next within {} ms{}", attempt, network(),
                    address, session.id(), LogText.safe(String.valueOf(error.getMessage()), peer.limits.logValueLimit()),
                    TimeUnit.NANOSECONDS.toMillis(delayNanos), attempt == 1 ? " (then one line per " + LOG_EVERY
                    + " attempts)" : "");
        }
        if (again) {
            schedule();
        } else {
            session.giveUp(error);
        }
    }

    private String network() {
        return Network.of(peer.config.network()).goName();
    }
}
