package io.teleport.internal.transport;

import io.teleport.internal.dispatch.FairQueue;
import io.teleport.internal.dispatch.HandlerPool;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.PendingPull;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * A reply whose hooks may block, run off the I/O thread. Until they end it counts in flight on its
 * connection, as a received message does: the other side chooses how large its replies are, so
 * replies waiting for slow hooks are bounded by the session's in-flight limits (reading stops there)
 * and held in the inbound budget, not only by how many pulls wait. It waits in its session's lane, so
 * that one peer's replies take turns with the others' work rather than queue ahead of it.
 */
final class ReplyHooks implements HandlerPool.Queued {

    private final PendingPull pull;
    private final Packet reply;
    private final ReadGate gate;
    private final long charge;
    private final FairQueue.Lane lane;
    private final long queuedNanos = System.nanoTime();

    ReplyHooks(PendingPull pull, Packet reply, ReadGate gate, long charge, FairQueue.Lane lane) {
        this.pull = pull;
        this.reply = reply;
        this.gate = gate;
        this.charge = charge;
        this.lane = lane;
        // Reading stops at the limit; the reply itself is read already and is run all the same.
        gate.admit(charge, false);
    }

    @Override
    public void run() {
        try {
            pull.onReply(reply);
        } finally {
            gate.finished(charge, false);
        }
    }

    @Override
    public long queuedNanos() {
        return queuedNanos;
    }

    @Override
    public FairQueue.@Nullable Lane lane() {
        return lane;
    }
}
