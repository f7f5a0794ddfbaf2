package io.teleport.internal.limits;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * What one connection holds of its peer's {@link InboundBudget}: the frames it is receiving and its
 * messages and replies not yet finished. When room is short the budget lets a connection that holds
 * little next to the others go first (see {@link InboundBudget#tryReserve}), so all a connection's gate
 * takes and gives back goes through here, counted.
 */
public final class BudgetShare {

    private static final AtomicLongFieldUpdater<BudgetShare> HELD =
            AtomicLongFieldUpdater.newUpdater(BudgetShare.class, "held");

    private final InboundBudget budget;
    /** The connection's gate: what waits for room, and may hold the one frame past its share. */
    private final InboundBudget.Waiter gate;
    // A field rather than an atomic: every connection has one, and idle connections are many.
    private volatile long held;

    BudgetShare(InboundBudget budget, InboundBudget.Waiter gate) {
        this.budget = budget;
        this.gate = gate;
    }

    /** Bytes held now (any thread). */
    long held() {
        return held;
    }

    /** See {@link InboundBudget#reserveOrWait}; what it takes is counted here. */
    boolean reserveOrWait(long bytes, long frameSize, long frameHeld) {
        if (budget.reserveOrWait(bytes, frameSize, frameHeld, held, gate)) {
            add(bytes);
            return true;
        }
        return false;
    }

    /** Takes what a decoded frame holds beyond its reservation (an inflated body), even past the budget. */
    public void settle(long reserved, long charge) {
        if (charge > reserved) {
            budget.force(charge - reserved);
            add(charge - reserved);
        }
        budget.endOverdraft(gate);
    }

    /** Gives back a reservation whose frame will never be handled (the connection failed or closed). */
    public void unreserve(long bytes) {
        release(bytes);
        budget.endOverdraft(gate);
    }

    /** Gives back {@code bytes} this connection took, and wakes whoever waits for room (any thread). */
    public void release(long bytes) {
        if (bytes != 0) {
            add(-bytes);
            budget.release(bytes);
        }
    }

    /** See {@link InboundBudget#endOverdraft}. */
    void endOverdraft() {
        budget.endOverdraft(gate);
    }

    /** See {@link InboundBudget#cancel}. */
    void cancel() {
        budget.cancel(gate);
    }

    private void add(long delta) {
        long now = HELD.addAndGet(this, delta);
        long before = now - delta;
        // One atomic result per change: of two threads crossing zero at once, each sees its own crossing.
        if (before <= 0 && now > 0) {
            budget.holders(1);
        } else if (before > 0 && now <= 0) {
            budget.holders(-1);
        }
    }
}
