package io.teleport.internal.limits;

import io.netty.channel.Channel;
import io.teleport.limits.Limits;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether one connection is read. It stops reading (Netty's auto-read off, so that TCP
 * pushes back on the sender) while its decoder has had its share of a turn of the I/O thread with
 * frames left ({@link #pauseForTurn}), while a large reply of it is read off the I/O thread
 * ({@link #pauseForReply}), or while: the messages received on it and not finished reach
 * {@link Limits#maxInflightPerSession()} or {@link Limits#maxInflightBytesPerSession()} (until half
 * are done; not while this side awaits replies there, see {@link #admit}), its outbound buffer is over
 * the high water mark while pulls of the other side are in flight here ({@link #writabilityChanged}),
 * or the peer's {@link InboundBudget} has no room for its next frame. While paused, the decoder leaves
 * what it has undecoded, so the bound is exact. Reasons change on the event loop only; messages finish
 * on any thread and hand the resumption back to it.
 */
public final class ReadGate implements InboundBudget.Waiter {

    private static final int INFLIGHT = 1;
    private static final int UNWRITABLE = 2;
    private static final int NO_ROOM = 4;
    private static final int TURN = 8;
    private static final int OVERLOAD = 16;
    private static final int READING_REPLY = 32;
    private static final long OVERLOAD_PAUSE_MS = 50;

    private final Channel channel;
    private final InboundBudget budget;
    private final Counters counters;
    private final int maxInflight;
    private final long maxInflightBytes;
    /** What a pull adds to {@link #counts}: one message, and one pull. */
    private static final long PULL = (1L << 32) + 1;
    private static final AtomicLongFieldUpdater<ReadGate> COUNTS =
            AtomicLongFieldUpdater.newUpdater(ReadGate.class, "counts");
    private static final AtomicLongFieldUpdater<ReadGate> INFLIGHT_BYTES =
            AtomicLongFieldUpdater.newUpdater(ReadGate.class, "inflightBytes");
    // Fields rather than atomics: every session has a gate, and idle sessions are many.
    /** Messages in flight (low 32 bits) and, of them, pulls (high 32 bits): one atomic update per change. */
    private volatile long counts;
    private volatile long inflightBytes;
    /** Set on the event loop while reading is stopped at the high water mark; read by finishing messages. */
    private volatile boolean unwritablePaused;
    /** Set on the event loop; read by finishing messages to know whether a resumption may be due. */
    private volatile boolean inflightPaused;
    // Event loop only.
    private int reasons;
    /** Over the high water mark, yet read: this side awaits replies there. */
    private boolean readingUnwritable;
    private boolean closed;
    /** Decodes what is buffered: run on the event loop when reading resumes or room may be free. */
    private Runnable resumeDecoding = () -> { };

    /** Whether this side awaits replies on the connection's session. */
    private final BooleanSupplier awaitingReplies;
    /** Whether a handler of the session awaits one there (a nested call): see {@link #readOnForReplies}. */
    private final BooleanSupplier handlerAwaits;
    /** Run on the event loop as messages finish while some wait past the limit (see {@link #deferring}). */
    private volatile @Nullable Runnable deferredRoom;
    /** At the in-flight limit, yet read: this side awaits replies (see {@link #admit}). Event loop only. */
    private boolean readingOverInflight;

    public ReadGate(Channel channel, InboundBudget budget, Counters counters, Limits limits,
            BooleanSupplier awaitingReplies, BooleanSupplier handlerAwaits) {
        this.channel = channel;
        this.budget = budget;
        this.counters = counters;
        this.maxInflight = limits.maxInflightPerSession();
        this.maxInflightBytes = limits.maxInflightBytesPerSession();
        this.awaitingReplies = awaitingReplies;
        this.handlerAwaits = handlerAwaits;
    }

    // ---------------------------------------------------------------- frames (event loop)

    /** Sets what decodes the buffered bytes again once reading resumes (the decoder's). */
    public void onResume(Runnable decode) {
        this.resumeDecoding = decode;
    }

    /**
     * Reserves {@code bytes} more for the frame being received, whose header declares {@code frameSize}
     * and which holds {@code held} already; when there is no room, stops reading and returns false:
     * decoding is tried again once room is served to it in its turn.
     */
    public boolean reserveFrame(long bytes, long frameSize, long held) {
        if (budget.reserveOrWait(bytes, frameSize, held, this)) {
            resume(NO_ROOM);
            return true;
        }
        pause(NO_ROOM);
        return false;
    }

    /** Room was reserved for the waiting frame in its turn: decoding takes it (or waits on, held otherwise). */
    @Override
    public void roomFreed() {
        runOnLoop(() -> {
            // The decoder tries to reserve again: on success it resumes, else it waits again.
            if (!closed && reasons == NO_ROOM) {
                resumeDecoding.run();
            }
        });
    }

    private void runOnLoop(Runnable task) {
        try {
            channel.eventLoop().execute(task);
        } catch (RejectedExecutionException shutDown) {
            // The connection's event loop is gone, and so is the connection.
        }
    }

    /** Takes what a decoded frame holds beyond its reservation (an inflated body). */
    public void settle(long reserved, long charge) {
        if (charge > reserved) {
            budget.force(charge - reserved);
        }
        budget.frameEnded(this);
    }

    /** Gives back a reservation whose frame will never be handled (the connection failed or closed). */
    public void unreserve(long bytes) {
        budget.release(bytes);
        budget.frameEnded(this);
    }

    // ---------------------------------------------------------------- messages

    /**
     * A pull or push was received (event loop); it counts as in flight until {@link #finished}, whatever
     * the answer. At the limit reading stops, unless this side awaits replies on the session: they would
     * never be read. Read on, a message past the limit waits for room within twice the limit; past it, it
     * is refused, and reading stops there unless a handler of the session awaits a reply (see {@link #readOnForReplies}).
     * @return whether it is within the limits, waits, or is refused (counted all the same, until finished)
     */
    public Admission admit(long charge, boolean pull) {
        int n = (int) COUNTS.addAndGet(this, pull ? PULL : 1);
        long b = INFLIGHT_BYTES.addAndGet(this, charge);
        if (n >= maxInflight || b >= maxInflightBytes) {
            // Read at or past the limit only while reading on for replies: past it, waiting or refused.
            boolean within = n <= maxInflight && b - charge < maxInflightBytes;
            boolean waits = !within && n <= 2 * maxInflight && b - charge < 2 * maxInflightBytes && awaitingReplies.getAsBoolean();
            if (readOnForReplies(n)) {
                readingOverInflight = true;
            } else {
                stopForInflight();
            }
            return within ? Admission.WITHIN : waits ? Admission.WAITS : Admission.REFUSED;
        }
        return Admission.WITHIN;
    }

    /** A message refused past the limit gives back its bytes at once: its refusal may wait behind a peer that does not read. */
    public void givenBack(long charge) {
        INFLIGHT_BYTES.addAndGet(this, -charge);
        budget.release(charge);
    }

    private void stopForInflight() {
        readingOverInflight = false;
        inflightPaused = true;
        pause(INFLIGHT);
        // Every message may have finished before the flag was visible to them: look again.
        inflightDrained();
    }

    /** This side wrote while reading is stopped at the in-flight limit: if it now awaits a reply there, reading resumes. */
    public void wrote() {
        if ((reasons & INFLIGHT) != 0) { // one field read per write: the look at the pulls only while stopped
            inflightDrained();
        }
    }

    /**
     * Whether to read on at the limit: this side awaits replies and what is past it is not as much again;
     * or a handler awaits one, holding its place until it comes, and fewer than three times the limit are
     * in flight (refused pulls count until their refusal is written: a peer that reads none could pile them up).
     */
    private boolean readOnForReplies(int inflight) {
        return awaitingReplies.getAsBoolean() && (inflight < 2 * maxInflight && inflightBytes < 2 * maxInflightBytes
                || inflight < 3 * maxInflight && handlerAwaits.getAsBoolean());
    }

    /** After a frame read on for replies at the in-flight limit: once none is awaited, reading stops. */
    public void recheckInflight() {
        if (readingOverInflight && !readOnForReplies(inflight())) {
            readingOverInflight = false;
            if (inflight() >= maxInflight || inflightBytes >= maxInflightBytes) {
                stopForInflight();
            }
        }
    }

    /** A message admitted with {@code charge} is finished, whatever the outcome (any thread). */
    public void finished(long charge, boolean pull) {
        long c = COUNTS.addAndGet(this, pull ? -PULL : -1);
        INFLIGHT_BYTES.addAndGet(this, -charge);
        budget.release(charge);
        Runnable room = deferredRoom;
        if (room != null) {
            runOnLoop(room);
        }
        // The fields as they are now, not this thread's own updates: finishing threads interleave.
        if (inflightPaused && (inflight() <= maxInflight / 2 && inflightBytes <= maxInflightBytes / 2
                || readOnForReplies(inflight()))) {
            runOnLoop(this::inflightDrained);
        }
        if (unwritablePaused && (c >>> 32) == 0) {
            runOnLoop(this::pullsGone);
        }
    }

    /**
     * The handler executor is about to refuse a message of this connection for want of room (event
     * loop): back-pressure before more refusals. Reading stops for {@value #OVERLOAD_PAUSE_MS} ms rather
     * than reading and refusing as fast as the other side sends (400,000 refusals a second), fixed.
     */
    public void refusingForOverload(boolean nestedWaiting) {
        // Not while a handler of the session awaits a reply here: it would wait that much longer.
        if ((reasons & OVERLOAD) == 0 && channel.eventLoop().inEventLoop() && !nestedWaiting) {
            pause(OVERLOAD);
            try {
                channel.eventLoop().schedule(() -> resume(OVERLOAD), OVERLOAD_PAUSE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                resume(OVERLOAD);
            }
        }
    }

    /** A reply is read off the I/O thread (event loop): what follows it on the connection waits for it. */
    public void pauseForReply() {
        pause(READING_REPLY);
    }

    /** The reply handed off by {@link #pauseForReply} is read (any thread). */
    public void replyRead() {
        runOnLoop(() -> resume(READING_REPLY));
    }

    /** Resumes reading stopped at the in-flight limit: half are done, or replies must be read (see {@link #admit}). */
    private void inflightDrained() {
        int n = inflight();
        boolean drained = n <= maxInflight / 2 && inflightBytes <= maxInflightBytes / 2;
        if (drained || readOnForReplies(n)) {
            inflightPaused = false;
            readingOverInflight = !drained;
            resume(INFLIGHT);
        }
    }

    /** Whether the first of {@code waiting} messages ({@code bytes}), admitted but not handed over, may go now. */
    public boolean roomFor(int waiting, long bytes) {
        int running = inflight() - waiting;
        return running == 0 || running < maxInflight && inflightBytes - bytes < maxInflightBytes;
    }

    /** While messages wait past the limit, {@code room} (null: none wait) runs on the loop as each message finishes. */
    public void deferring(@Nullable Runnable room) {
        deferredRoom = room;
    }

    /** Messages received on this connection and not yet finished. */
    int inflight() {
        return (int) counts;
    }

    /** Whether pulls received on this connection wait for their replies to be written (any thread). */
    public boolean pullsWaiting() {
        return pullsInflight() > 0;
    }

    /** Pulls received on this connection whose replies are not yet written. */
    private int pullsInflight() {
        return (int) (counts >>> 32);
    }

    // ---------------------------------------------------------------- connection (event loop)

    /**
     * The outbound buffer crossed a water mark. Over the high one, reading stops while pulls of the
     * other side are in flight here (until their replies are written), holding back a sender of pulls
     * that does not read the replies. It reads on otherwise, and while this side awaits replies there
     * ({@code awaitingReplies}): the other side may be waiting, over its own high water mark, for this
     * side to read; both stopping would deadlock two peers that pipeline large pulls. Reading on is still
     * bounded by what is in flight, the inbound budget, and the session's outbound limit.
     */
    public void writabilityChanged(boolean awaitingReplies) {
        if (channel.isWritable()) {
            readingUnwritable = false;
            resume(UNWRITABLE);
        } else if (awaitingReplies || pullsInflight() == 0) {
            readingUnwritable = true;
            // Also when reading had stopped for pulls since finished.
            resume(UNWRITABLE);
        } else {
            pause(UNWRITABLE);
            // The last pull may have finished before the flag was visible to it: look again.
            pullsGone();
        }
    }

    /** The last pull of the other side finished while reading was stopped at the high water mark. */
    private void pullsGone() {
        if ((reasons & UNWRITABLE) != 0 && pullsInflight() == 0) {
            writabilityChanged(false);
        }
    }

    /** Whether the connection is read although over its high water mark (see {@link #writabilityChanged}). */
    public boolean readingUnwritable() {
        return readingUnwritable;
    }

    /**
     * After a frame read while over the high water mark: once this side awaits no reply there any
     * more and pulls of the other side are in flight, reading stops as it would have at the crossing.
     */
    public void recheckUnwritable(boolean awaiting) {
        if (readingUnwritable && !awaiting && pullsInflight() > 0) {
            readingUnwritable = false;
            if (!channel.isWritable()) {
                pause(UNWRITABLE);
                pullsGone();
            }
        }
    }

    /** Whether the connection is not being read now. */
    public boolean paused() {
        return reasons != 0;
    }

    /** Whether decoding must wait: too much in flight, replies could not be written, or the executor is full. */
    public boolean holdsDecoding() {
        return (reasons & ~(NO_ROOM | TURN)) != 0;
    }

    /**
     * The decoder had its share of this turn of the I/O thread with frames left: no more is read
     * until they are decoded, and {@code nextTurn} decodes the next share once the turn is over, after
     * the other connections of the thread had theirs. A connection sending thousands of small frames
     * (or bodies that take long to inflate) in one read so cannot hold up the others.
     */
    public void pauseForTurn(Runnable nextTurn) {
        pause(TURN);
        try {
            // Scheduled, not queued: a loop takes its due scheduled tasks once per turn, before running
            // its tasks, so each share waits for the next turn's I/O, where tasks (and tail tasks) queued
            // while the loop runs its tasks would run in the same turn, back to back.
            channel.eventLoop().schedule(nextTurn, 0, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            // The connection's event loop is gone, and so is the connection.
        }
    }

    /** The decoder got through what was buffered within its share: reading goes on, unless held otherwise. */
    public void turnOver() {
        if ((reasons & TURN) != 0) {
            resume(TURN);
        }
    }

    /** The connection is gone: it no longer counts as paused or waits for room. */
    public void closed() {
        if (closed) {
            return;
        }
        closed = true;
        budget.frameEnded(this);
        if (reasons != 0) {
            reasons = 0;
            counters.pausedSessions.decrementAndGet();
        }
    }

    private void pause(int reason) {
        if (closed || (reasons & reason) != 0) {
            return;
        }
        if (reasons == 0) {
            channel.config().setAutoRead(false);
            counters.readPauses.increment();
            counters.pausedSessions.incrementAndGet();
        }
        reasons |= reason;
        unwritablePaused = (reasons & UNWRITABLE) != 0;
        if ((reason & (INFLIGHT | UNWRITABLE | OVERLOAD | READING_REPLY)) != 0) {
            // Not read now, its clock stopped: it must not hold the slot past its share, nor room served in line.
            budget.frameEnded(this);
        }
    }

    private void resume(int reason) {
        if (closed || (reasons & reason) == 0) {
            return;
        }
        reasons &= ~reason;
        unwritablePaused = (reasons & UNWRITABLE) != 0;
        if (reasons == 0) {
            counters.pausedSessions.decrementAndGet();
            channel.config().setAutoRead(true);
        }
        if ((reasons & ~NO_ROOM) == 0 && reason != NO_ROOM && reason != TURN) {
            // Frames may wait in the decoder's buffer with nothing more to come from the socket;
            // one still waiting for room tries again too.
            runOnLoop(() -> {
                if (!closed && (reasons & ~NO_ROOM) == 0) {
                    resumeDecoding.run();
                }
            });
        }
    }
}
