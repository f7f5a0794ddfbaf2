package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.internal.limits.Counters;
import io.teleport.internal.log.RefusalLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

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
 * Made on the first such moment; used on its event loop only.
 */
final class WriteStallWatch implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WriteStallWatch.class);
    /** Looks per timeout: a stall is closed within a quarter of the timeout after it is due. */
    private static final int LOOKS = 4;

    private final Channel channel;
    private final long timeoutNanos;
    private final Counters counters;
    /** Each close at DEBUG, and at WARN once per interval with how many: the other side decides how often. */
    private final RefusalLog stalls;
    private @Nullable ScheduledFuture<?> timer;
    // What the outbound buffer looked like at the last look that saw progress, and when.
    private @Nullable Object entry;
    private long progress;
    private long pendingBytes;
    private long sinceNanos;

    WriteStallWatch(Channel channel, long timeoutNanos, Counters counters, RefusalLog stalls) {
        this.channel = channel;
        this.timeoutNanos = timeoutNanos;
        this.counters = counters;
        this.stalls = stalls;
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
        } else if (channel.eventLoop().ticker().nanoTime() - sinceNanos >= timeoutNanos) {
            counters.writeStalls.increment();
            String what = channel.remoteAddress() + ": " + out.totalPendingWriteBytes() + " bytes queued and none read for "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
            log.debug("closing {}", what);
            stalls.record(what);
            channel.close();
            return;
        }
        schedule();
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
        timer = channel.eventLoop().schedule(this, Math.max(1, timeoutNanos / LOOKS), TimeUnit.NANOSECONDS);
    }
}
