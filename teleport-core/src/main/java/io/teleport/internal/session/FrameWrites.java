package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;

/**
 * Hands a frame to its connection with the listener that learns how its write ended, and tells that
 * listener when the frame is not written at all: every frame's listener runs once, on every path.
 */
final class FrameWrites {

    private static final Logger log = LoggerFactory.getLogger(FrameWrites.class);

    private FrameWrites() {
    }

    /**
     * Writes with the listener on the promise before the write starts: added after, from a handler
     * thread, it finds the write often done, and the promise hands it back to the I/O thread as a task.
     */
    static void writeAndFlush(Channel ch, Object frame, ChannelFutureListener listener) {
        if (ch.eventLoop().isShuttingDown()) {
            // A stopping I/O thread (a handler that outlived the shutdown's timeout): the connection is
            // closed, and Netty would log an error with a stack for each write, whose listener it never runs.
            notWritten(ch, frame, listener, new ClosedChannelException());
            return;
        }
        ch.writeAndFlush(frame, ch.newPromise().addListener(listener));
    }

    /** Frees a frame that is not written, and tells its listener why. */
    static void notWritten(Channel ch, Object frame, ChannelFutureListener listener, Throwable why) {
        ReferenceCountUtil.release(frame);
        try {
            listener.operationComplete(ch.newFailedFuture(why));
        } catch (Exception e) {
            log.debug("write listener failed", e);
        }
    }
}
