package io.teleport.internal.transport;

import io.teleport.internal.limits.InboundBudget;
import io.teleport.internal.session.PeerContext;
import io.teleport.internal.session.PendingPull;
import io.teleport.message.Packet;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A reply whose hooks may block, run off the I/O thread. Until they end, its bytes stay in the peer's
 * inbound budget, as a received message's do: the other side chooses how large its replies are, so
 * replies waiting for slow hooks must not pile up in memory outside every bound (15 MB replies behind a
 * hook that slept 2 s ran a 256 MB client out of heap). The reply is this side's own pull's completion,
 * which a blocked caller may be waiting for, so it takes no turn behind other sessions' messages.
 */
final class ReplyHooks implements Runnable {

    private static final AtomicIntegerFieldUpdater<ReplyHooks> RAN =
            AtomicIntegerFieldUpdater.newUpdater(ReplyHooks.class, "ran");

    private final PendingPull pull;
    private final Packet reply;
    private final InboundBudget budget;
    private final long charge;
    private volatile int ran;

    private ReplyHooks(PendingPull pull, Packet reply, InboundBudget budget, long charge) {
        this.pull = pull;
        this.reply = reply;
        this.budget = budget;
        this.charge = charge;
    }

    /** Hands the reply, which holds {@code charge} of the budget until its hooks end, to a thread that may block. */
    static void start(PeerContext peer, PendingPull pull, Packet reply, long charge) {
        ReplyHooks hooks = new ReplyHooks(pull, reply, peer.budget, charge);
        try {
            peer.runBlocking(hooks);
        } catch (RuntimeException | Error noThread) {
            // No thread for it (out of memory for one): the pull still gets its reply, here, once.
            hooks.run();
        }
    }

    @Override
    public void run() {
        if (!RAN.compareAndSet(this, 0, 1)) {
            return;
        }
        boolean kept = false;
        try {
            kept = pull.onReply(reply);
        } finally {
            if (kept) {
                pull.releaseAfterRead(() -> budget.release(charge));
            } else {
                budget.release(charge);
            }
        }
    }
}
