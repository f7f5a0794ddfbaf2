package io.teleport.internal.session;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Closes a drained session's connection without losing what was written last.
 *
 * <p>Closing a socket whose receive buffer still holds bytes (the remote's pulls that came after the
 * drain's last read) makes the kernel reset the connection at once and drop what it had not sent
 * yet: a rolling restart's callers saw answered pulls, and the drain's own {@code 503}s, end with
 * 102 "connection closed". So once everything written so far is out, the output is shut (a FIN after
 * the last reply; TLS's close_notify first), what still comes in is read and dropped, and the
 * connection closes when the remote closes its end, or after the linger at most.
 *
 * <p>Before that the session goes on reading for {@link #GRACE_NANOS}, answering every pull
 * {@code 503} "shutting down": a caller still sending learns that the peer drains, and the pulls it
 * writes after it learnt it, which the close then cuts off, end with 104 there, safe to send again,
 * rather than 102 (see {@code RemoteDrain}). Only what was on its way in the last instant, before the
 * first refusal came back, still ends with 102.
 */
final class GracefulClose {

    /** How long a connection whose output is shut waits for the remote to close its end. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a drained session goes on refusing pulls before its output is shut: a few round trips. */
    static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final String DISCARD_NAME = "teleport-discard";
    private static final AttributeKey<Boolean> STARTED = AttributeKey.valueOf("teleport.gracefulClose");
    private static final AttributeKey<Future<?>> LINGER = AttributeKey.valueOf("teleport.gracefulClose.linger");
    private static final ChannelHandler DISCARD = new Discard();

    private GracefulClose() {
    }

    /** Closes {@code ch}, lingering at most {@code lingerNanos} (at once when that is not positive). */
    static void close(Channel ch, long lingerNanos) {
        if (!(ch instanceof DuplexChannel) || lingerNanos <= 0 || !ch.isActive()) {
            ch.close();
            return;
        }
        if (ch.attr(STARTED).setIfAbsent(Boolean.TRUE) != null) {
            // Closing this way since an earlier call.
            return;
        }
        long grace = Math.min(GRACE_NANOS, lingerNanos / 2);
        try {
            ch.eventLoop().schedule(() -> shutOutput(ch, Math.min(lingerNanos - grace, LINGER_NANOS)), grace,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            ch.close();
        }
    }

    private static void shutOutput(Channel ch, long lingerNanos) {
        ChannelPipeline pipeline = ch.pipeline();
        if (!ch.isActive()) {
            return;
        }
        Future<?> linger = ch.eventLoop().schedule(() -> ch.close(), lingerNanos, TimeUnit.NANOSECONDS);
        ch.attr(LINGER).set(linger);
        // A remote that closes first must not leave the timer holding the closed channel for the linger.
        ch.closeFuture().addListener(closed -> linger.cancel(false));
        // Everything written before this is out when it is: then nothing more is read as a message.
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || !ch.isActive()) {
                ch.close();
                return;
            }
            pipeline.addFirst(DISCARD_NAME, DISCARD);
            ch.config().setAutoRead(true);
            // The replies to what was read until now, then the end of the output.
            SslHandler tls = pipeline.get(SslHandler.class);
            ChannelFuture last = tls != null ? tls.closeOutbound() : ch.writeAndFlush(Unpooled.EMPTY_BUFFER);
            last.addListener(f -> {
                if (f.isSuccess() && ch.isActive()) {
                    ((DuplexChannel) ch).shutdownOutput();
                } else {
                    ch.close();
                }
            });
        });
    }

    /** The linger's timer of a connection whose output was shut here; null before that. */
    static @Nullable Future<?> lingerOf(Channel ch) {
        return ch.attr(LINGER).get();
    }

    /** Drops what the remote still sends to a connection whose output is shut. */
    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
