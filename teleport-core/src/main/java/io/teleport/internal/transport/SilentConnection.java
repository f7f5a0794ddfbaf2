package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.teleport.internal.limits.StrayConnections;
import io.teleport.internal.session.DefaultSession;
import io.teleport.transport.Addresses;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An accepted connection as the {@link StrayConnections} see it until it sends its first bytes (a TLS
 * hello, or a frame's first bytes: a slow one is the frame-read timeout's to judge) or is written to.
 * First in the pipeline, and out of it with the first bytes read, so that reads after cost nothing.
 */
final class SilentConnection extends ChannelInboundHandlerAdapter implements StrayConnections.Candidate {

    private final Channel channel;
    private final DefaultSession session;
    private final StrayConnections strays;
    private final long acceptedNanos = System.nanoTime();
    /** Written on the channel's event loop with the first bytes. */
    private volatile boolean heard;

    private SilentConnection(Channel channel, DefaultSession session, StrayConnections strays) {
        this.channel = channel;
        this.session = session;
        this.strays = strays;
    }

    /** Watches {@code channel}, admitted by a listener's gate, while it says nothing. */
    static void watch(Channel channel, DefaultSession session, StrayConnections strays) {
        SilentConnection silent = new SilentConnection(channel, session, strays);
        channel.pipeline().addFirst("teleport-silent", silent);
        strays.add(silent);
        channel.closeFuture().addListener(f -> strays.remove(silent));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        heard = true;
        // Out of the candidates at once: a peer that never reaches the bound would keep them all.
        strays.remove(this);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public boolean silent() {
        return !heard && channel.isActive() && !session.wroteAny();
    }

    @Override
    public long acceptedNanos() {
        return acceptedNanos;
    }

    /** Looked at again on the channel's own thread, where its first bytes would be read. */
    @Override
    public void closeAsStray() {
        try {
            channel.eventLoop().execute(() -> {
                if (!silent()) {
                    return;
                }
                session.peer.counters.handshakeTimeouts.increment();
                session.peer.logs.strayLog.record(Addresses.describe(channel.remoteAddress()) + ", silent for "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos) + " ms");
                channel.close();
            });
        } catch (RejectedExecutionException e) {
            // Its I/O thread is stopping: the peer is shutting down and closes it anyway.
        }
    }
}
