package io.teleport.internal.limits;

import io.teleport.internal.log.RefusalLogs;
import io.teleport.limits.Limits;
import io.teleport.limits.PeerStats;

import io.teleport.internal.dispatch.HandlerLoad;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.concurrent.atomic.LongAdder;

/** The live {@link PeerStats} of one peer. Not part of the API. */
public final class Counters implements PeerStats {

    final LongAdder readPauses = new LongAdder();
    final AtomicInteger pausedSessions = new AtomicInteger();
    public final LongAdder pullsRefused = new LongAdder();
    public final LongAdder pushesRefused = new LongAdder();
    public final LongAdder pushesDropped = new LongAdder();
    public final LongAdder drainRefused = new LongAdder();
    public final LongAdder expired = new LongAdder();
    public final LongAdder asyncHandlerTimeouts = new LongAdder();
    public final LongAdder lateReplies = new LongAdder();
    public final LongAdder droppedClosed = new LongAdder();
    public final LongAdder outboundRefused = new LongAdder();
    public final LongAdder broadcastSkipped = new LongAdder();
    public final LongAdder badFrames = new LongAdder();
    public final LongAdder frameReadTimeouts = new LongAdder();
    public final LongAdder handshakeTimeouts = new LongAdder();
    public final LongAdder crowdedAddressCloses = new LongAdder();
    public final LongAdder tlsFailures = new LongAdder();
    public final LongAdder writeStalls = new LongAdder();
    public final LongAdder unreadReplies = new LongAdder();
    final AtomicInteger acceptedConnections = new AtomicInteger();
    final LongAdder acceptPauses = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder connectionsRefusedPerAddress = new LongAdder();
    private final InboundBudget budget;
    /** This side's pulls awaiting replies, and their bounds. */
    public final PendingPullPlaces pendingPulls;

    /** The executor that runs handlers: made after the counters, which the connection gate needs first. */
    private final Supplier<Executor> handlers;
    /** What the sessions hold to write, summed when asked. */
    private final LongSupplier outboundBytes;

    public Counters(InboundBudget budget, Limits limits, RefusalLogs logs, Supplier<Executor> handlers,
            LongSupplier outboundBytes) {
        this.budget = budget;
        this.handlers = handlers;
        this.outboundBytes = outboundBytes;
        this.pendingPulls = new PendingPullPlaces(limits, logs);
    }

    @Override
    public long readPauses() {
        return readPauses.sum();
    }

    @Override
    public int pausedSessions() {
        return pausedSessions.get();
    }

    @Override
    public long inboundBytes() {
        return budget.used();
    }

    @Override
    public long outboundBytes() {
        return outboundBytes.getAsLong();
    }

    @Override
    public long pullsRefused() {
        return pullsRefused.sum();
    }

    @Override
    public long pushesRefused() {
        return pushesRefused.sum();
    }

    @Override
    public long drainRefused() {
        return drainRefused.sum();
    }

    @Override
    public long expired() {
        return expired.sum();
    }

    @Override
    public long asyncHandlerTimeouts() {
        return asyncHandlerTimeouts.sum();
    }

    @Override
    public long lateReplies() {
        return lateReplies.sum();
    }

    @Override
    public long droppedClosed() {
        return droppedClosed.sum();
    }

    @Override
    public long outboundRefused() {
        return outboundRefused.sum();
    }

    @Override
    public long pendingPulls() {
        return pendingPulls.taken();
    }

    @Override
    public long pendingPullsRefused() {
        return pendingPulls.refused();
    }

    @Override
    public long broadcastSkipped() {
        return broadcastSkipped.sum();
    }

    @Override
    public long badFrames() {
        return badFrames.sum();
    }

    @Override
    public long frameReadTimeouts() {
        return frameReadTimeouts.sum();
    }

    @Override
    public long handshakeTimeouts() {
        return handshakeTimeouts.sum();
    }

    @Override
    public long crowdedAddressCloses() {
        return crowdedAddressCloses.sum();
    }

    @Override
    public long tlsFailures() {
        return tlsFailures.sum();
    }

    @Override
    public long pushesDropped() {
        return pushesDropped.sum();
    }

    @Override
    public long writeStalls() {
        return writeStalls.sum();
    }

    @Override
    public long unreadReplyCloses() {
        return unreadReplies.sum();
    }

    @Override
    public int acceptedConnections() {
        return acceptedConnections.get();
    }

    @Override
    public long acceptPauses() {
        return acceptPauses.sum();
    }

    @Override
    public long connectionsRefused() {
        return connectionsRefused.sum();
    }

    @Override
    public long connectionsRefusedPerAddress() {
        return connectionsRefusedPerAddress.sum();
    }

    @Override
    public int handlerThreads() {
        return HandlerLoad.threads(handlers.get());
    }

    @Override
    public int handlersRunning() {
        return HandlerLoad.running(handlers.get());
    }

    @Override
    public int handlersQueued() {
        return HandlerLoad.queued(handlers.get());
    }

    @Override
    public String toString() {
        return "PeerStats[readPauses=" + readPauses() + ", paused=" + pausedSessions() + ", inboundBytes="
                + inboundBytes() + ", outboundBytes=" + outboundBytes() + ", pullsRefused=" + pullsRefused() + ", pushesRefused=" + pushesRefused() + ", pushesDropped=" + pushesDropped()
                + ", expired=" + expired() + ", asyncHandlerTimeouts=" + asyncHandlerTimeouts() + ", lateReplies=" + lateReplies() + ", droppedClosed=" + droppedClosed() + ", outboundRefused="
                + outboundRefused() + ", pendingPulls=" + pendingPulls() + ", pendingPullsRefused=" + pendingPullsRefused()
                + ", broadcastSkipped=" + broadcastSkipped() + ", badFrames=" + badFrames()
                + ", frameReadTimeouts=" + frameReadTimeouts() + ", handshakeTimeouts=" + handshakeTimeouts() + ", crowdedAddressCloses=" + crowdedAddressCloses() + ", tlsFailures=" + tlsFailures()
                + ", writeStalls=" + writeStalls() + ", unreadReplyCloses=" + unreadReplyCloses()
                + ", acceptedConnections=" + acceptedConnections() + ", acceptPauses=" + acceptPauses()
                + ", connectionsRefused=" + connectionsRefused() + ", connectionsRefusedPerAddress="
                + connectionsRefusedPerAddress() + ", handlerThreads=" + handlerThreads() + ", handlersRunning="
                + handlersRunning() + ", handlersQueued=" + handlersQueued() + "]";
    }
}
