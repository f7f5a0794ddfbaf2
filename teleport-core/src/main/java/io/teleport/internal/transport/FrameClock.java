package io.teleport.internal.transport;

import io.teleport.internal.limits.InboundBudget;

/**
 * How long the frame being received has taken to arrive, for the frame-read timeout: from its first
 * bytes, but not while it waits for room in the inbound budget. That wait is this side's, not the
 * sender's: with the clock running through it, a backlog far larger than the budget (new-user trial
 * 17: 2,000 connections, each with 200 KB pushes queued) had hundreds of honest connections closed as
 * slow senders. A frame that never ends still meets the timeout: served room in its turn (see the
 * inbound budget's waiting line), it holds all its sender sent and waits no more, and its clock runs.
 * And when no frame over 64 KiB that waited has been served room in as long as the timeout, the wait
 * counts after all: frames that each hold part of the budget and wait for more (none whole, none
 * releasing), or wait behind frames that never end, would otherwise wait for ever. One connection's
 * state, used on its I/O thread only.
 */
final class FrameClock {

    private final InboundBudget budget;
    /** The soonest a waiting frame's clock is looked at again. */
    private static final long MIN_LOOK = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1);

    /** When the frame started arriving, moved on by the time it waited for room; 0 while none is partial. */
    private long since;
    /** When the frame started waiting for room; 0 while it does not. */
    private long waitingSince;

    FrameClock(InboundBudget budget) {
        this.budget = budget;
    }

    /** Whether a frame is partial. */
    boolean started() {
        return since != 0;
    }

    /** A frame started arriving, unless one already had. */
    void startIfIdle() {
        if (since == 0) {
            since = System.nanoTime();
        }
    }

    /** A frame ended: the clock runs again from now when part of the next one is there already. */
    void reset(boolean partialLeft) {
        since = partialLeft ? System.nanoTime() : 0;
        waitingSince = 0;
    }

    /** Counts from {@code now} again: the sender is not late (this side stopped reading for its own load). */
    void restart(long now) {
        since = now;
        if (waitingSince != 0) {
            waitingSince = now;
        }
    }

    /** Whether the frame (of {@code frameSize}) now waits for room in the budget (its bytes did not fit) or got it. */
    void roomWait(boolean waiting, long frameSize) {
        if (waiting) {
            if (waitingSince == 0) {
                waitingSince = System.nanoTime();
            }
        } else if (waitingSince != 0) {
            if (since != 0) {
                long now = System.nanoTime();
                since += now - Math.max(since, waitingSince);
            }
            waitingSince = 0;
            budget.waitedAndGotRoom(frameSize);
        }
    }

    /**
     * The time counted against the frame-read timeout ({@code timeout}) at {@code now}: the wait for room
     * too once the budget has freed none for that long.
     */
    long counted(long now, long timeout) {
        if (since == 0) {
            return 0;
        }
        return Math.max(0, (waitingSince != 0 && !stalled(now, timeout) ? waitingSince : now) - since);
    }

    /** How long until the timeout may be reached, at the soonest: a wait for room is looked at again when it could stall. */
    long untilNextLook(long now, long timeout) {
        if (waitingSince != 0 && !stalled(now, timeout)) {
            // Not every nanosecond while a frame that came close to its timeout waits (a review).
            return Math.max(MIN_LOOK, Math.max(waitingSince, budget.lastProgress()) + timeout - now);
        }
        return Math.max(1, timeout - counted(now, timeout));
    }

    private boolean stalled(long now, long timeout) {
        return now - Math.max(waitingSince, budget.lastProgress()) >= timeout;
    }
}
