package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.internal.limits.Counters;
import io.teleport.internal.log.RefusalLog;
import io.teleport.internal.session.DefaultSession;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Closes a connection whose outbound buffer keeps bytes while the other side reads none of them for
 * {@code Limits.writeStallTimeout()}: a peer that stops reading must not hold its queued bytes and
 * its connection for ever, nor, under the high water mark, the inbound budget its pulls hold until
 * their replies are written (replies just under the mark, which the kernel's buffers cannot take,
 * held a whole peer's budget for good). Reading slowly is not a stall: any byte written in the
 * interval counts, as the kernel reports it (it takes more from the buffer once about a third of
 * the socket's send buffer has drained, so a reader must take at least that much per timeout).
 * Progress is read from the outbound buffer (its head, how much of it went out, what is queued), as
 * Netty's {@code IdleStateHandler} observes output. Watching starts when the connection is not
 * writable, or when a flush leaves bytes the kernel did not take while pulls of the other side wait
 * for their replies, and ends once nothing is queued.
 *
 * <p>While other connections wait for room in the inbound budget, a connection that holds some of it
 * (pulls whose replies wait here) and has read nothing since is closed {@link #PRESSED_NANOS} after the
 * pressure began, without waiting for the timeout: thousands of peers that pull and never read held a
 * whole budget that way, tens of kilobytes each under the high water mark, and no other connection was
 * read for as long as they stayed (hostile round 16). One of a session that drains is closed once it
 * has read nothing for {@link #DRAINING_NANOS}, rather than holding the drain until its timeout. A
 * reader that reads, however slowly, is not closed.
 * Made on the first such moment; used on its event loop only.
 */
final class WriteStallWatch implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WriteStallWatch.class);
    /** Looks per timeout: a stall is closed within a quarter of the timeout after it is due. */
    private static final int LOOKS = 4;
    /** How long a connection may read nothing while it holds inbound budget other connections wait for. */
    static final long PRESSED_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long one may read nothing while its session drains: a reader on a slow link shows progress less often. */
    static final long DRAINING_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Channel channel;
    private final long timeoutNanos;
    /** Whether pulls of the other side wait here for their replies, holding inbound budget. */
    private final BooleanSupplier holdsBudget;
    /** Whether other connections wait for room in the inbound budget. */
    private final BooleanSupplier othersWait;
    /** Whether the connection's session drains. */
    private final BooleanSupplier draining;
    /** When the pressure on a connection that reads nothing began; 0 while there is none. */
    private long pressedSince;
    private final Counters counters;
    /** Each close at DEBUG, and at WARN once per interval with how many: the other side decides how often. */
    private final RefusalLog stalls;
    private @Nullable ScheduledFuture<?> timer;
    // What the outbound buffer looked like at the last look that saw progress, and when.
    private @Nullable Object entry;
    private long progress;
    private long pendingBytes;
    private long sinceNanos;

    WriteStallWatch(Channel channel, long timeoutNanos, Counters counters, RefusalLog stalls,
            BooleanSupplier holdsBudget, BooleanSupplier othersWait, BooleanSupplier draining) {
        this.channel = channel;
        this.timeoutNanos = timeoutNanos;
        this.counters = counters;
        this.stalls = stalls;
        this.holdsBudget = holdsBudget;
        this.othersWait = othersWait;
        this.draining = draining;
    }

    /** The watch of {@code session}'s connection, whose pulls waiting for their replies {@code pullsWaiting} tells. */
    WriteStallWatch(Channel channel, DefaultSession session, BooleanSupplier pullsWaiting) {
        this(channel, session.peer.limits.writeStallTimeout().toNanos(), session.peer.counters,
                session.peer.logs.stalledLog, pullsWaiting, session.peer.budget::othersWait, session::isClosing);
    }

    /** The connection's writability changed, or a flush left bytes queued: watch while any are. */
    void bytesQueued() {
        if (timer == null) {
            observe(channel.unsafe().outboundBuffer());
            schedule();
        }
    }

    /** The connection closed. */
    void stop() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            timer = null;
            t.cancel(false);
        }
    }

    @Override
    public void run() {
        timer = null;
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (!channel.isActive() || out == null || out.totalPendingWriteBytes() == 0) {
            // Nothing waits to be read: the next unwritable moment or unfinished flush watches again.
            return;
        }
        if (moved(out)) {
            observe(out);
            pressedSince = 0;
            schedule();
            return;
        }
        long now = channel.eventLoop().ticker().nanoTime();
        long stalled = now - sinceNanos;
        boolean holding = stalled < timeoutNanos && holdsBudget.getAsBoolean();
        // Pressure counts from when it began, not from the last progress: a reader quiet for a while under
        // the timeout gets its two seconds once others start waiting.
        if (!holding || !othersWait.getAsBoolean()) {
            pressedSince = 0;
        } else if (pressedSince == 0) {
            pressedSince = now;
        }
        String why = cutBecause(now, stalled, holding);
        if (why != null) {
            counters.writeStalls.increment();
            String what = channel.remoteAddress() + ": " + out.totalPendingWriteBytes() + " bytes queued and none read for "
                    + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms" + why;
            log.debug("closing {}", what);
            stalls.record(what);
            channel.close();
            return;
        }
        schedule();
    }

    /** Why a connection that read nothing for {@code stalled} is closed now ("": the timeout), or null. */
    private @Nullable String cutBecause(long now, long stalled, boolean holding) {
        if (stalled >= timeoutNanos) {
            return "";
        }
        if (pressedSince != 0 && now - pressedSince >= PRESSED_NANOS) {
            return ", while its pulls held inbound budget other connections waited for";
        }
        if (holding && stalled >= DRAINING_NANOS && draining.getAsBoolean()) {
            return ", while its session drained";
        }
        return null;
    }

    /**
     * Whether any byte went out since the last look that saw some: a new head, progress in it, or
     * fewer bytes queued. The head alone is not enough, since pooled buffers are reused and the head
     * may be the same object again after everything was written; more bytes queued is not progress,
     * or a sender writing to a peer that reads nothing would keep it open.
     */
    private boolean moved(ChannelOutboundBuffer out) {
        return out.current() != entry || out.currentProgress() != progress || out.totalPendingWriteBytes() < pendingBytes;
    }

    private void observe(@Nullable ChannelOutboundBuffer out) {
        entry = out == null ? null : out.current();
        progress = out == null ? 0 : out.currentProgress();
        pendingBytes = out == null ? 0 : out.totalPendingWriteBytes();
        sinceNanos = channel.eventLoop().ticker().nanoTime();
    }

    private void schedule() {
        // At least once a second, for the pressure that may begin meanwhile.
        long every = Math.min(timeoutNanos / LOOKS, PRESSED_NANOS / 2);
        timer = channel.eventLoop().schedule(this, Math.max(1, every), TimeUnit.NANOSECONDS);
    }
}
