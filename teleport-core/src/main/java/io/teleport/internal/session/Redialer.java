package io.teleport.internal.session;

import io.netty.util.Timeout;
import org.jspecify.annotations.Nullable;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.proto.Proto;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Dials a broken dialed session's address again: the first attempt after
 * {@link io.teleport.config.PeerConfig#redialInterval()}, each next one after twice the wait (with jitter,
 * up to {@link io.teleport.config.PeerConfig#redialMaxInterval()}), until one connects, the session no longer
 * wants it, or {@link io.teleport.config.PeerConfig#redialTimes()} attempts failed. Attempts start on an I/O
 * thread's timer; name lookups happen off it (the {@link Dialer} does them).
 */
final class Redialer {

    private final DefaultSession session;
    private final PeerContext peer;
    private final String address;
    private final @Nullable Proto proto;
    private volatile @Nullable Timeout next;

    Redialer(DefaultSession session, PeerContext peer, String address, @Nullable Proto proto) {
        this.session = session;
        this.peer = peer;
        this.address = address;
        this.proto = proto;
    }

    /** The connection broke: start redialing. */
    void start() {
        attempt(1, peer.config.redialInterval().toNanos());
    }

    /** The session closed while redialing: no further attempt. */
    void cancel() {
        Timeout task = next;
        if (task != null) {
            task.cancel();
        }
    }

    private void attempt(int attempt, long delayNanos) {
        long jittered = delayNanos / 2 + ThreadLocalRandom.current().nextLong(delayNanos / 2 + 1);
        try {
            next = peer.timer.newTimeout(timeout -> {
                if (!session.wantsRedial()) {
                    session.giveUp(new IllegalStateException("session closed"));
                    return;
                }
                peer.dialer.dial(address, proto, session)
                        .whenComplete((connected, error) -> {
                            if (error == null) {
                                return;
                            }
                            int times = peer.config.redialTimes();
                            if ((times < 0 || attempt < times) && session.wantsRedial()) {
                                attempt(attempt + 1, Math.min(delayNanos * 2, peer.config.redialMaxInterval().toNanos()));
                            } else {
                                session.giveUp(error);
                            }
                        });
            }, jittered, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException | RejectedExecutionException shuttingDown) {
            // The timer stopped: the peer is shutting down.
            session.giveUp(shuttingDown);
        }
    }
}
