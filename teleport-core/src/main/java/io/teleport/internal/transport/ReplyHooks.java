package io.teleport.internal.transport;

import io.teleport.internal.limits.InboundBudget;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.LargeBodyDecodes;
import io.teleport.internal.session.PeerContext;
import io.teleport.internal.session.PendingPull;
import io.teleport.message.Packet;
import io.teleport.plugin.Hook;
import io.teleport.plugin.PluginChain;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A reply read off the I/O thread: one whose hooks may block, or a large one (see
 * {@link #startLarge}). Until it is read, its bytes stay in the peer's
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
    /** The connection's gate, paused until the reply is read; null when it is read on. */
    private final @Nullable ReadGate paused;
    private volatile int ran;

    private ReplyHooks(PendingPull pull, Packet reply, InboundBudget budget, long charge, @Nullable ReadGate paused) {
        this.pull = pull;
        this.reply = reply;
        this.budget = budget;
        this.charge = charge;
        this.paused = paused;
    }

    /**
     * Reads {@code reply} to {@code pull} (event loop): here, or off the I/O thread when its hooks may
     * block or it is large. Returns whether it holds its {@code charge} of the budget on (read
     * elsewhere, or kept until the pull's PostWritePull hooks end), to be released once it is read.
     */
    static boolean read(PeerContext peer, ReadGate gate, PendingPull pull, Packet reply, long charge) {
        PluginChain plugins = peer.plugins;
        if (!peer.inline && (plugins.blocks(Hook.POST_READ_REPLY_HEADER) || plugins.blocks(Hook.PRE_READ_REPLY_BODY)
                || plugins.blocks(Hook.POST_READ_REPLY_BODY))) {
            // Reply hooks are user code that may block: keep them off the I/O thread.
            start(peer, pull, reply, charge);
            return true;
        }
        if (LargeBodyDecodes.large(reply.bodyBytes())) {
            startLarge(peer, gate, pull, reply, charge);
            return true;
        }
        if (pull.onReply(reply)) {
            InboundBudget budget = peer.budget;
            pull.releaseAfterRead(() -> budget.release(charge));
            return true;
        }
        return false;
    }

    /** Hands the reply, which holds {@code charge} of the budget until its hooks end, to a thread that may block. */
    private static void start(PeerContext peer, PendingPull pull, Packet reply, long charge) {
        ReplyHooks hooks = new ReplyHooks(pull, reply, peer.budget, charge, null);
        try {
            peer.runBlocking(hooks);
        } catch (RuntimeException | Error noThread) {
            // No thread for it (out of memory for one): the pull still gets its reply, here, once.
            hooks.run();
        }
    }

    /**
     * Hands a large reply (event loop) to the reply readers, with its connection not read until it is
     * read: what follows it is still handled after it, and decoding it holds up no other connection of
     * the I/O thread. Neither would hold if it were decoded on the handler thread of a blocked caller.
     */
    private static void startLarge(PeerContext peer, ReadGate gate, PendingPull pull, Packet reply, long charge) {
        gate.pauseForReply();
        ReplyHooks read = new ReplyHooks(pull, reply, peer.budget, charge, gate);
        try {
            LargeBodyDecodes.readOffIoThread(read);
        } catch (RuntimeException | Error noThread) {
            read.run();
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
            if (paused != null) {
                paused.replyRead();
            }
        }
    }
}
