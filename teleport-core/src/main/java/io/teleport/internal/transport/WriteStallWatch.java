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
 * the interval counts. Progress is read from the flushed entry and how much of it went out, as
 * Netty's {@code IdleStateHandler} observes output, and only while the connection is not writable,
 * so nothing is added to the write path. Made on a connection's first unwritable moment; used on its
 * event loop only.
 */
final class WriteStallWatch implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(WriteStallWatch.class);

    private final Channel channel;
    private final long timeoutNanos;
    private final Counters counters;
    private @Nullable ScheduledFuture<?> timer;
    private @Nullable Object entry;
    private long progress;

    WriteStallWatch(Channel channel, long timeoutNanos, Counters counters) {
        this.channel = channel;
        this.timeoutNanos = timeoutNanos;
        this.counters = counters;
    }

    /** The connection's writability changed: watch while it is not writable. */
    void writabilityChanged() {
        if (!channel.isWritable()) {
            if (timer == null) {
                observe();
                timer = channel.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
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
        if (out != null && out.current() != null && out.current() == entry && out.currentProgress() == progress) {
            counters.writeStalls.increment();
            log.debug("closing {}: {} bytes queued and none read for {} ms", channel.remoteAddress(),
                    out.totalPendingWriteBytes(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            channel.close();
            return;
        }
        observe();
        timer = channel.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void observe() {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        entry = out == null ? null : out.current();
        progress = out == null ? 0 : out.currentProgress();
    }
}
