package io.teleport.internal.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A peer's graceful shutdown of its sessions, as Tomcat and gRPC drain: from its start, a new pull
 * on any session is answered {@code 503} ("shutting down") and a new push dropped, so that busy
 * sessions cannot keep the drain waiting, while the handlers and this side's pulls in flight
 * finish. Idle sessions close at once, which is how the other side learns that this peer is going
 * away (a dialing peer redials, maybe to the process that took the port over); busy ones close when
 * their last handler or pull ends, and every one by the deadline. The start and the end are one
 * INFO line each.
 */
public final class PeerDrain {

    private static final Logger log = LoggerFactory.getLogger(PeerDrain.class);

    private final PeerContext peer;
    private final LongAdder refusedPulls = new LongAdder();
    private final LongAdder droppedPushes = new LongAdder();

    PeerDrain(PeerContext peer) {
        this.peer = peer;
    }

    /** Whether new work on {@code session} is refused: the peer drains, or the session is closing. */
    boolean refuses(DefaultSession session) {
        return peer.closing || !session.isOpen();
    }

    /** Counts a pull refused or a push dropped by the drain. */
    void refused(boolean pull) {
        (pull ? refusedPulls : droppedPushes).increment();
        // Refusals like those of the limits: PeerStats and its meters count them too.
        (pull ? peer.counters.pullsRefused : peer.counters.pushesRefused).increment();
    }

    /**
     * Closes every unfinished session gracefully (redialing ones included) and waits for them, within
     * {@code timeout} and a second more. The peer must be marked closing and its listeners closed.
     */
    public void run(Duration timeout) {
        long start = System.nanoTime();
        Collection<DefaultSession> sessions = peer.liveSessions();
        int handling = 0;
        int awaiting = 0;
        for (DefaultSession session : sessions) {
            handling += session.activeHandlers();
            awaiting += session.pendingPulls();
        }
        log.info("draining {} sessions / {} pulls and pushes in flight ({} being handled here, {} awaiting replies), "
                + "timeout {} ms", sessions.size(), handling + awaiting, handling, awaiting, timeout.toMillis());
        CompletableFuture<?>[] closing = sessions.stream().map(s -> s.close(timeout)).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closing).get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            long took = System.nanoTime() - start;
            if (took >= timeout.toNanos() && handling + awaiting > 0) {
                // Sessions close by force at the timeout: not a drain that finished. What it cut off is the
                // one WARN of the shutdown (PeerContext), which follows.
                log.info("drain of {} sessions ended at its timeout of {} ms, not finished; refused {} new pulls (503)"
                        + " and dropped {} new pushes", sessions.size(), timeout.toMillis(), refusedPulls.sum(),
                        droppedPushes.sum());
            } else {
                log.info("drained {} sessions in {} ms; refused {} new pulls (503) and dropped {} new pushes",
                        sessions.size(), TimeUnit.NANOSECONDS.toMillis(took), refusedPulls.sum(), droppedPushes.sum());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("sessions did not all close in time: {}", e.toString());
        }
    }
}
