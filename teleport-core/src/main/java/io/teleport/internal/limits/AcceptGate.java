package io.teleport.internal.limits;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.teleport.internal.log.RefusalLog;
import io.teleport.limits.Limits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Bounds the connections remote peers hold open on a peer's listeners ({@link Limits#maxConnections()}).
 * Sits in each listener's pipeline, before Netty's acceptor, and sees every accepted channel first.
 *
 * <p>Back-pressure before refusal: at the bound every listener stops reading its socket, so new
 * connections wait in the kernel's backlog until one closes. A listener accepts a batch per read, so
 * a few may still arrive past the bound; those are closed at once and counted. Whether a listener
 * reads is decided on its own event loop from the count at that moment, so that a pause and a resume
 * racing on two threads cannot leave it paused below the bound.
 */
@ChannelHandler.Sharable
public final class AcceptGate extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AcceptGate.class);

    private final int max;
    private final Counters counters;
    private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
    private final RefusalLog pausedLog = new RefusalLog(log,
            "listeners at limits.max-connections, not accepting until a connection closes");

    public AcceptGate(int max, Counters counters) {
        this.max = max;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel listener = ctx.channel();
        listeners.add(listener);
        listener.closeFuture().addListener(f -> listeners.remove(listener));
        // A listener bound while the others are paused starts paused too.
        reconcile(listener);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        int open = counters.acceptedConnections.incrementAndGet();
        if (open > max) {
            counters.acceptedConnections.decrementAndGet();
            counters.connectionsRefused.increment();
            // Not registered with an event loop yet: nothing of Teleport's has run on it.
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(f -> {
            if (counters.acceptedConnections.getAndDecrement() == max) {
                reconcileAll();
            }
        });
        if (open == max) {
            counters.acceptPauses.increment();
            pausedLog.record(max + " open, latest from " + child.remoteAddress());
            reconcileAll();
        }
        ctx.fireChannelRead(child);
    }

    private void reconcileAll() {
        for (Channel listener : listeners) {
            if (listener.eventLoop().inEventLoop()) {
                reconcile(listener);
            } else {
                try {
                    listener.eventLoop().execute(() -> reconcile(listener));
                } catch (RejectedExecutionException e) {
                    // The peer is shutting down: its listeners are closing anyway.
                }
            }
        }
    }

    private void reconcile(Channel listener) {
        boolean accept = counters.acceptedConnections.get() < max;
        if (listener.isOpen() && listener.config().isAutoRead() != accept) {
            listener.config().setAutoRead(accept);
        }
    }
}
