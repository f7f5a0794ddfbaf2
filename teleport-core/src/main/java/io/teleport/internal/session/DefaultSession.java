package io.teleport.internal.session;

import io.teleport.transport.Addresses;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.message.Packet;
import io.teleport.plugin.Hook;
import io.teleport.proto.Proto;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.transport.Network;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodType;
import java.lang.reflect.Type;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The session of one connection, on either end; a dialed session may outlive its connection by
 * redialing. Not part of the API: use {@link Session}.
 */
public final class DefaultSession implements Session {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    private static final AtomicLongFieldUpdater<DefaultSession> SEQ =
            AtomicLongFieldUpdater.newUpdater(DefaultSession.class, "seq");
    /** The session whose dial hooks run on this thread: its pulls go out while it is still redialing. */
    private static final ThreadLocal<DefaultSession> IN_DIAL_HOOKS = new ThreadLocal<>();

    private enum State { OPEN, CLOSING, CLOSED }

    public final PeerContext peer;
    private final String dialAddress;
    private final Proto proto;
    private volatile Channel channel;
    private final PendingCalls pending = new PendingCalls();
    private final AtomicInteger activeHandlers = new AtomicInteger();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile long seq;
    private volatile String id;
    private volatile boolean customId;
    private volatile ConcurrentHashMap<String, Object> attributes;
    private volatile State state = State.OPEN;
    private volatile boolean admitted;
    private volatile java.time.Instant connectedAt = java.time.Instant.now();
    /** Set while a broken dialed connection is being replaced; writes wait for it. */
    private volatile CompletableFuture<Void> reconnecting;
    /** Dials again after a dialed connection breaks; null for accepted sessions. */
    private final Redialer redialer;
    /** Whether a connection got as far as the dial or accept hooks: then PostDisconnect is due. */
    private volatile boolean everConnected;
    /** Whether dial or accept hooks are running: they, not the closing connection, settle the dial. */
    private volatile boolean hooksRunning;
    /** Queued bytes, the outbound limit, writability waiters. */
    private final SessionOutbound outbound = new SessionOutbound(this);
    /** This side's pulls and pushes: the invocation layer above this connection. */
    private final SessionCalls calls = new SessionCalls(this);

    public DefaultSession(PeerContext peer, Channel channel, String dialAddress, Proto proto) {
        this.peer = peer;
        this.channel = channel;
        this.dialAddress = dialAddress;
        this.proto = proto;
        this.redialer = dialAddress == null ? null : new Redialer(this, peer, dialAddress, proto);
        // Tracked from the start, so that a shutdown racing with an accept still closes it.
        peer.live.add(this);
    }

    public boolean dialed() {
        return dialAddress != null;
    }

    @Override
    public String id() {
        String current = id;
        return current != null ? current : defaultId();
    }

    /** Teleport's default: the remote address on the accepting side, the local one on the dialing side. */
    private String defaultId() {
        Channel ch = channel;
        return Addresses.format(dialed() ? ch.localAddress() : ch.remoteAddress());
    }

    @Override
    public void setId(String newId) {
        Objects.requireNonNull(newId, "newId");
        String oldId;
        synchronized (this) {
            oldId = id();
            customId = true;
            if (oldId.equals(newId)) {
                return;
            }
            id = newId;
            if (admitted && state != State.CLOSED && reconnecting == null) {
                peer.hub.rename(this, oldId, newId);
            }
        }
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public boolean isHealthy() {
        return state == State.OPEN && reconnecting == null && channel.isActive();
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
        ConcurrentHashMap<String, Object> a = attributes;
        if (a == null) {
            synchronized (this) {
                a = attributes;
                if (a == null) {
                    a = new ConcurrentHashMap<>(4);
                    attributes = a;
                }
            }
        }
        return a;
    }

    /** The current Netty channel; for integrations such as plugins and tests. */
    public Channel channel() {
        return channel;
    }

    @Override
    public java.time.Instant connectedAt() {
        return connectedAt;
    }

    @Override
    public int pendingPulls() {
        return pending.size();
    }

    @Override
    public boolean isWritable() {
        return outbound.isWritable();
    }

    @Override
    public long outboundBytes() {
        return outbound.bytes();
    }

    @Override
    public CompletableFuture<Void> whenWritable() {
        return outbound.whenWritable();
    }

    /** The outbound buffer crossed a water mark (I/O thread). */
    public void writabilityChanged(Channel ch) {
        outbound.writabilityChanged(ch);
    }

    /** Whether this side ever wrote on this session. */
    public boolean wroteAny() {
        return outbound.wroteAny();
    }

    /** Whether the session is over for good. */
    boolean isFinished() {
        return state == State.CLOSED;
    }

    /** The number of pulls and pushes of the other side being handled. */
    public int activeHandlers() {
        return activeHandlers.get();
    }

    // ---------------------------------------------------------------- pulls and pushes

    @Override
    @SuppressWarnings("unchecked")
    public <T> T pull(String uri, Object body, Class<T> replyType, CallOption... options) {
        // Any I/O thread of the peer, not only this channel's: waiting there stalls every connection of that loop.
        if (channel.eventLoop().inEventLoop() || peer.inIoThread()) {
            throw new IllegalStateException("a blocking pull on an I/O thread would stall or deadlock it; "
                    + "use pullAsync, or run handlers off the I/O thread");
        }
        CompletableFuture<Object> future = start(uri, body, replyType, true, false, options);
        try {
            // int.class casts nothing, not even the Integer the codec gave: cast with the wrapper.
            return (T) MethodType.methodType(replyType).wrap().returnType().cast(future.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RerrorException) {
                // A fresh exception so that the caller's stack trace shows where it pulled.
                throw new RerrorException(((RerrorException) cause).rerror(), cause);
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the reply to " + uri, e);
        }
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<T> pullAsync(String uri, Object body, Class<T> replyType, CallOption... options) {
        return (CompletableFuture) start(uri, body, replyType, false, false, options);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, Object body, Type replyType, CallOption... options) {
        return (CompletableFuture) start(uri, body, replyType, false, true, options);
    }

    /** Sends a pull; its future completes with the reply's body, or the whole {@link Reply}. */
    private CompletableFuture<Object> start(String uri, Object body, Type replyType, boolean sync, boolean wholeReply,
            CallOption[] options) {
        return calls.pull(uri, body, replyType, sync, wholeReply, options);
    }

    @Override
    public CompletableFuture<Void> push(String uri, Object body, CallOption... options) {
        return calls.push(uri, body, options);
    }

    /**
     * Pushes a body already encoded with the default codec, from this session's I/O thread (a
     * broadcast batches its writes per thread); {@code done} says whether the frame was handed to the
     * connection.
     */
    public void pushEncoded(String uri, io.teleport.codec.PreEncoded body, CallOption[] options,
            java.util.function.Consumer<Boolean> done) {
        calls.pushEncoded(uri, body, options, done);
    }

    /** The next seq for a pull or push of this side. */
    long nextSeq() {
        return SEQ.getAndIncrement(this);
    }

    /** Whether new pulls and pushes may start: not closing, not closed. */
    boolean isOpen() {
        return state == State.OPEN;
    }

    /** The outbound side: queued bytes, the limit, writability. */
    SessionOutbound outbound() {
        return outbound;
    }

    /** A pull now waits for its reply. */
    void addPending(PendingPull pull) {
        pending.add(pull);
    }

    /**
     * Marshals a packet's body on the calling thread (see {@link SenderEncoding}), so that codecs and
     * filters never run on an I/O thread and the caller owns its body only until the call returns.
     *
     * @return what to write: the packet, or its whole frame when it has transfer filters
     * @throws RerrorException {@code 104} when the body cannot be marshalled or is over the read limit
     */
    Object encode(Packet packet) {
        try {
            Channel ch = channel;
            Object prepared = SenderEncoding.prepare(packet, proto != null ? proto : peer.defaultProto,
                    peer.protoContext, ch.alloc(), ch.eventLoop().inEventLoop());
            peer.messageLog.capture(packet);
            return prepared;
        } catch (RuntimeException e) {
            throw PendingPull.writeFailed(e).toException();
        }
    }

    /**
     * Writes a frame, or, while a broken dialed connection is being replaced, once it is (or fails
     * it when that fails). Dial hooks of the reconnection itself write at once.
     */
    void write(Object frame, ChannelFutureListener listener) {
        outbound.markWritten();
        CompletableFuture<Void> waiting = reconnecting;
        if (waiting == null || IN_DIAL_HOOKS.get() == this) {
            if (timedOutUnsent(listener)) {
                ReferenceCountUtil.release(frame);
                return;
            }
            channel.writeAndFlush(frame).addListener(listener);
            return;
        }
        int size = SenderEncoding.size(frame);
        outbound.holding(size);
        waiting.whenComplete((ok, error) -> {
            outbound.released(size);
            if (timedOutUnsent(listener)) {
                ReferenceCountUtil.release(frame);
                return;
            }
            Channel ch = channel;
            if (error == null) {
                ch.writeAndFlush(frame).addListener(listener);
            } else {
                ReferenceCountUtil.release(frame);
                try {
                    // Never written: say so, as "connection is closed" also ends pulls that were.
                    listener.operationComplete(ch.newFailedFuture(
                            new java.io.IOException("not sent: the session did not reconnect")));
                } catch (Exception e) {
                    log.debug("write listener failed", e);
                }
            }
        });
    }

    /** Whether {@code listener} is a pull whose timeout already ended it as not sent. */
    private static boolean timedOutUnsent(ChannelFutureListener listener) {
        return listener instanceof PendingPull && !((PendingPull) listener).claimWrite();
    }

    /**
     * Writes a reply's frame: allowed while the session closes gracefully, so in-flight pulls get
     * answered, and never refused for the outbound limit: reading stops before replies pile up.
     */
    void writeReply(Object frame, ChannelFutureListener listener) {
        outbound.markWritten();
        channel.writeAndFlush(frame).addListener(listener);
    }

    boolean removePending(PendingPull pull) {
        boolean removed = pending.remove(pull);
        if (removed) {
            closeIfDrained();
        }
        return removed;
    }

    boolean isPending(PendingPull pull) {
        return pending.contains(pull);
    }

    public PendingPull takePending(long seq) {
        PendingPull pull = pending.take(seq);
        if (pull != null) {
            closeIfDrained();
        }
        return pull;
    }

    public void handlerStarted() {
        activeHandlers.incrementAndGet();
    }

    void handlerFinished() {
        if (activeHandlers.decrementAndGet() == 0) {
            closeIfDrained();
        }
    }

    static void logHookError(Rerror rerror, String hook) {
        if (rerror != null) {
            log.error("{} hook failed: {}", hook, rerror.toJson());
        }
    }

    // ---------------------------------------------------------------- connection life

    /**
     * A connection of this session is up (TLS done): run the dial or accept hooks off the I/O
     * thread when there are any, then admit the session to the hub.
     */
    public void connected(Channel ch, CompletableFuture<DefaultSession> ready) {
        channel = ch;
        connectedAt = java.time.Instant.now();
        everConnected = true;
        peer.live.add(this);
        boolean hooks = dialed() ? peer.plugins.has(Hook.POST_DIAL) : peer.plugins.has(Hook.POST_ACCEPT);
        if (!hooks) {
            admit(ch, ready);
            return;
        }
        hooksRunning = true;
        peer.runBlocking(() -> {
            Rerror rerror;
            IN_DIAL_HOOKS.set(this);
            try {
                rerror = dialed() ? peer.plugins.run(Hook.POST_DIAL, this) : peer.plugins.run(Hook.POST_ACCEPT, this);
            } catch (RuntimeException e) {
                rerror = new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", e.toString());
            } finally {
                IN_DIAL_HOOKS.remove();
                hooksRunning = false;
            }
            if (rerror == null) {
                admit(ch, ready);
                return;
            }
            log.debug("{} hook refused {}: {}", dialed() ? "PostDial" : "PostAccept", id(), rerror.toJson());
            if (ready != null) {
                ready.completeExceptionally(rerror.toException());
            }
            ch.close();
        });
    }

    private void admit(Channel ch, CompletableFuture<DefaultSession> ready) {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            if (state != State.OPEN || !ch.isActive() || ch != channel) {
                // Closed (or replaced) while the hooks ran: this connection is not wanted any more.
                ch.close();
                if (ready != null) {
                    ready.completeExceptionally(Dialer.failed(String.valueOf(dialAddress),
                            new ClosedChannelException()));
                }
                return;
            }
            id = peer.hub.add(this, customId ? id : defaultId(), !customId);
            admitted = true;
            waiting = reconnecting;
            reconnecting = null;
        }
        if (waiting != null) {
            log.info("redial ok (network:{}, addr:{}, id:{})", network().goName(), dialAddress, id());
            waiting.complete(null);
        }
        if (ready != null) {
            ready.complete(this);
        }
    }

    /** Whether the dial or accept hooks of a connection are still running. */
    public boolean hooksRunning() {
        return hooksRunning;
    }

    /** A channel of this session left its event loop; if it never connected, the session is over. */
    public void unregistered(Channel ch) {
        if (ch == channel && !everConnected) {
            finish();
        }
    }

    /** A connection of this session is gone. */
    public void disconnected(Channel ch) {
        boolean redial;
        log.debug("connection of {} closed (state {}, reconnecting {}, current {})", id(), state, reconnecting != null,
                ch == channel);
        synchronized (this) {
            if (ch != channel || (reconnecting != null && state == State.OPEN)) {
                // A stale connection, or a redial attempt that failed: its dial future says so.
                return;
            }
            redial = state == State.OPEN && dialed() && peer.config.redialTimes() != 0 && admitted && !peer.closing;
            if (redial) {
                peer.hub.remove(this);
                reconnecting = new CompletableFuture<>();
            }
        }
        pending.failAll();
        if (!redial) {
            finish();
            return;
        }
        // This connection is over, even though the session goes on.
        if (peer.plugins.has(Hook.POST_DISCONNECT)) {
            peer.runBlocking(() -> peer.plugins.run(Hook.POST_DISCONNECT, this));
        }
        redialer.start();
    }

    private Network network() {
        return Network.of(peer.config.network());
    }

    /** Whether a redial is still wanted: the session is open and the peer is not shutting down. */
    boolean wantsRedial() {
        return state == State.OPEN && !peer.closing;
    }

    /** Redialing failed for good (or is no longer wanted): the session is over. */
    void giveUp(Throwable error) {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            waiting = reconnecting;
            reconnecting = null;
        }
        if (waiting == null) {
            return;
        }
        log.error("redial fail (network:{}, addr:{}, id:{}): {}", network().goName(), dialAddress, id(),
                error.getMessage());
        waiting.completeExceptionally(error);
        finish();
    }

    private void finish() {
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        }
        peer.hub.remove(this);
        peer.live.remove(this);
        pending.failAll();
        outbound.releaseWaiters();
        if (peer.plugins.has(Hook.POST_DISCONNECT) && everConnected) {
            peer.runBlocking(() -> {
                try {
                    peer.plugins.run(Hook.POST_DISCONNECT, this);
                } finally {
                    closeFuture.complete(null);
                }
            });
        } else if (!peer.inline) {
            // Callbacks are user code, and whether any are attached cannot be told without a race:
            // one attached just after the look would run here, maybe on an I/O thread.
            peer.runBlocking(() -> closeFuture.complete(null));
        } else {
            closeFuture.complete(null);
        }
    }

    @Override
    public CompletableFuture<Void> close() {
        return close(peer.config.shutdownTimeout());
    }

    /**
     * Closes gracefully: no new pulls or pushes from now on, while handlers in flight finish and
     * reply and this side's pulls get their replies, for at most {@code timeout}; then the
     * connection closes and whatever still waits ends with 102.
     */
    public CompletableFuture<Void> close(Duration timeout) {
        synchronized (this) {
            if (state != State.OPEN) {
                return closeFuture;
            }
            state = State.CLOSING;
        }
        CompletableFuture<Void> waiting;
        synchronized (this) {
            waiting = reconnecting;
            reconnecting = null;
        }
        if (waiting != null) {
            redialer.cancel();
            channel.close();
            waiting.completeExceptionally(new IllegalStateException("session closed"));
            finish();
            return closeFuture;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        drainThenClose(deadline);
        return closeFuture;
    }

    private void drainThenClose(long deadline) {
        Channel ch = channel;
        if (ch.eventLoop().isShuttingDown()) {
            // Its I/O thread is gone (a channel served from another group): nothing more will happen on it.
            ch.close();
            finish();
            return;
        }
        if (!ch.isActive()) {
            // Never connected, or already gone: no channelInactive will come to finish it.
            ch.close();
            finish();
            return;
        }
        long left = deadline - System.nanoTime();
        if (drained() || left <= 0) {
            ch.close();
            return;
        }
        // The last handler or pull to end closes it (closeIfDrained); the deadline closes it anyway.
        try {
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, left, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            ch.close();
            finish();
            return;
        }
        // The last one may have ended before this session was seen closing.
        closeIfDrained();
    }

    private boolean drained() {
        return activeHandlers.get() == 0 && pending.isEmpty();
    }

    /** A handler or pull of this session ended: if the session is closing and it was the last, close now. */
    private void closeIfDrained() {
        if (state == State.CLOSING && drained()) {
            channel.close();
        }
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public String toString() {
        return "Session[" + id() + ", remote " + Addresses.format(channel.remoteAddress()) + "]";
    }
}
