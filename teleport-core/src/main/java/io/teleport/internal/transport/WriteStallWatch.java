package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.internal.limits.Counters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose outbound buffer stays over the high water mark while the other side
 * reads none of it for {@code Limits.writeStallTimeout()}: a peer that stops reading must not hold
 * its queued bytes and its connection for ever. Reading slowly is not a stall: any byte written in
 * the interval counts, as the kernel reports it (it takes more from the buffer once about a third
 * of the socket's send buffer has drained, so a reader must take at least that much per timeout).
 * Progress is read from the outbound buffer (its head, how much of it went out, what is queued), as
 * Netty's {@code IdleStateHandler} observes output, and only while the connection is not writable,
 * so nothing is added to the write path. Made on a connection's first unwritable moment; used on its
 * event loop only.
 */
final class WriteStallWatch implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WriteStallWatch.class);
    /** Looks per timeout: a stall is closed within a quarter of the timeout after it is due. */
    private static final int LOOKS = 4;

    private final Channel channel;
    private final long timeoutNanos;
    private final Counters counters;
    private @Nullable ScheduledFuture<?> timer;
    // What the outbound buffer looked like at the last look that saw progress, and when.
    private @Nullable Object entry;
    private long progress;
    private long pendingBytes;
    private long sinceNanos;

    WriteStallWatch(Channel channel, long timeoutNanos, Counters counters) {
        this.channel = channel;
        this.timeoutNanos = timeoutNanos;
        this.counters = counters;
    }

    /** The connection's writability changed: watch while it is not writable. */
    void writabilityChanged() {
        if (!channel.isWritable()) {
            if (timer == null) {
                observe(channel.unsafe().outboundBuffer());
                schedule();
            }
        } else {
            stop();
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
        if (!channel.isActive() || channel.isWritable()) {
            return;
        }
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out == null || moved(out)) {
            observe(out);
        } else if (channel.eventLoop().ticker().nanoTime() - sinceNanos >= timeoutNanos) {
            counters.writeStalls.increment();
            log.debug("closing {}: {} bytes queued and none read for {} ms", channel.remoteAddress(),
                    out.totalPendingWriteBytes(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
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
