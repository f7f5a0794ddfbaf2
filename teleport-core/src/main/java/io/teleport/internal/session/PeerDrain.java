package io.teleport.internal.session;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A peer's graceful shutdown of its sessions, as Tomcat and gRPC drain: from its start, a new pull
 * on any session is answered {@code 503} ("shutting down") and a new push dropped, so that busy
 * sessions cannot keep the drain waiting, while the handlers and this side's pulls in flight
 * finish. Idle sessions close at once, which is how the other side learns that this peer is going
 * away (a dialing peer redials, maybe to the process that took the port over); busy ones close when
 * their last handler or pull ends, and every one by the deadline. The sessions this side dialed close
 * only after the others: until then the handlers in flight may still pull and push on them (a
 * mid-tier's handler calling its backend), while what arrives on them new is refused as anywhere. The start and the end are one
 * INFO line each.
 */
public final class PeerDrain {

    private static final Logger log = LoggerFactory.getLogger(PeerDrain.class);

    private final PeerContext peer;
    private final LongAdder refusedPulls = new LongAdder();
    private final LongAdder droppedPushes = new LongAdder();
    /** What sessions still had in flight when their drain's deadline closed them. */
    private final LongAdder cutHandlers = new LongAdder();
    private final LongAdder cutPulls = new LongAdder();

    PeerDrain(PeerContext peer) {
        this.peer = peer;
    }

    /** Whether new work on {@code session} is refused: the peer drains, or the session is closing. */
    boolean refuses(DefaultSession session) {
        return peer.closing || !session.isOpen();
    }

    /**
     * A closing session's deadline passed: what it still had in flight is cut off with its connection
     * (closed here when {@code ch} is given), and counted for the drain's WARN when the peer shuts down.
     */
    void cutOff(DefaultSession session, @Nullable Channel ch) {
        int handlers = session.activeHandlers();
        int pulls = session.pendingPulls();
        if (handlers + pulls == 0) {
            // Drained after all: nothing cut off.
        } else if (peer.closing) {
            cutHandlers.add(handlers);
            cutPulls.add(pulls);
        } else {
            log.debug("session {} closed at its drain's deadline: cut off {} handlers, {} pulls", session.id(),
                    handlers, pulls);
        }
        if (ch != null) {
            ch.close();
        }
    }

    /** Counts a pull refused or a push dropped by the drain. */
    void refused(boolean pull) {
        (pull ? refusedPulls : droppedPushes).increment();
        // Counted apart from saturation's refusals: a rolling deploy must not look like a full handler pool.
        peer.counters.drainRefused.increment();
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
        if (!peer.used) {
            // Never listened nor dialed (an application that failed to start): nothing to drain or to say.
            log.debug("draining nothing: the peer never listened, dialed or served a connection");
            return;
        }
        log.info("draining {} sessions / {} pulls and pushes in flight ({} being handled here, {} awaiting replies), "
                + "timeout {} ms", sessions.size(), handling + awaiting, handling, awaiting, timeout.toMillis());
        long deadline = start + timeout.toNanos();
        // The sessions that came to this side first, then the ones it dialed: a handler in flight may
        // still call a backend (a mid-tier's), which must not close under it while it is not done.
        try {
            try {
                awaitClosed(sessions.stream().filter(s -> !s.dialed()), deadline,
                        deadline + TimeUnit.MILLISECONDS.toNanos(500));
            } finally {
                // Whatever became of the first: the dialed sessions close too, gracefully while time is left.
                awaitClosed(sessions.stream().filter(DefaultSession::dialed), deadline,
                        deadline + TimeUnit.SECONDS.toNanos(1));
            }
            long took = System.nanoTime() - start;
            if (cutHandlers.sum() + cutPulls.sum() > 0) {
                // Sessions closed by force at the timeout with work in flight: not a drain that finished,
                // whether or not the handlers cut off still hold threads (PeerContext's WARN then follows).
                log.warn("drain of {} sessions ended at its timeout of {} ms, not finished: cut off {} handlers still"
                        + " running or replies their remote did not read (a pull's caller gets 102) and {} pulls of"
                        + " this side awaiting replies (ended 102); refused {} new pulls (503) and dropped {} new pushes",
                        sessions.size(), timeout.toMillis(), cutHandlers.sum(), cutPulls.sum(), refusedPulls.sum(),
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

    /**
     * Closes {@code sessions} gracefully by {@code deadline} and waits for them until {@code waitUntil}
     * (the drain's one second of grace after its timeout is shared by the two stages).
     */
    private static void awaitClosed(Stream<DefaultSession> sessions, long deadline, long waitUntil)
            throws InterruptedException, ExecutionException, TimeoutException {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        CompletableFuture<?>[] closing = sessions.map(s -> s.close(left)).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(closing).get(Math.max(0, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
