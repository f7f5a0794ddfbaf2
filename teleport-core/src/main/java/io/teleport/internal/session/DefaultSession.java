package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.teleport.internal.dispatch.FairQueue;
import io.teleport.internal.log.MessageSource;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.ProtoException;
import io.teleport.proto.Proto;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Type;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The session of one connection, on either end; a dialed session may outlive its connection by
 * redialing. Not part of the API: use {@link Session}.
 */
public final class DefaultSession implements Session, MessageSource {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);
    private static final AtomicLongFieldUpdater<DefaultSession> SEQ =
            AtomicLongFieldUpdater.newUpdater(DefaultSession.class, "seq");
    public final PeerContext peer;
    /** The address dialed; null for an accepted session. */
    private final @Nullable String dialAddress;
    private final @Nullable Proto proto;
    /** The protocol frames are written and read with: the one given, the peer's, or the one detected. */
    private volatile Proto wireProto;
    private volatile Channel channel;
    /** This side's pulls awaiting replies; the package's pulls count the nested ones there. */
    final PendingCalls pending;
    private static final AtomicIntegerFieldUpdater<DefaultSession> ACTIVE_HANDLERS =
            AtomicIntegerFieldUpdater.newUpdater(DefaultSession.class, "activeHandlers");
    /** Handlers running or queued for this session (a field, not an AtomicInteger: idle sessions are many). */
    private volatile int activeHandlers;
    private volatile long seq;
    /** The id, once set or listed in the hub; null for the default until then. */
    private volatile @Nullable String id;
    private volatile boolean customId;
    private volatile @Nullable ConcurrentHashMap<String, Object> attributes;
    private volatile long connectedAt = System.currentTimeMillis(); // epoch ms: no Instant per idle session
    /** The largest frame read from the other side: the peer's read limit, or less (see {@link #setReadLimit}). */
    private volatile int readLimit;
    /** Connections coming up and breaking, redial, graceful close. */
    private final SessionLifecycle lifecycle;
    /** Queued bytes, the outbound limit, writability waiters. */
    private final SessionOutbound outbound = new SessionOutbound(this);
    /** Where this session's messages wait for a handler thread, taking turns with other sessions'. */
    final FairQueue.Lane handlerLane = new FairQueue.Lane();
    /** This side's pulls and pushes: the invocation layer above this connection. */
    private final SessionCalls calls = new SessionCalls(this);

    public DefaultSession(PeerContext peer, Channel channel, @Nullable String dialAddress, @Nullable Proto proto) {
        this.peer = peer;
        this.channel = channel;
        this.dialAddress = dialAddress;
        this.proto = proto;
        this.wireProto = proto != null ? proto : peer.defaultProto;
        this.readLimit = dialAddress == null ? peer.acceptedReadLimit : peer.protoContext.readLimit();
        this.pending = new PendingCalls(peer.counters.pendingPulls);
        this.lifecycle = new SessionLifecycle(this, peer,
                dialAddress == null ? null : new Redialer(this, peer, dialAddress, proto));
        // Tracked from the start, so that a shutdown racing with an accept still closes it.
        peer.live.add(this);
    }

    @Override
    public boolean dialed() {
        return dialAddress != null;
    }

    @Override
    public Throwable redialFailure() {
        return lifecycle.redialFailure();
    }

    @Override
    public String id() {
        String current = id;
        return current != null ? current : defaultId();
    }

    @Override
    public @Nullable String ownId() {
        return customId ? id : null;
    }

    /** Teleport's: the remote address if accepted, else the local one; a unix socket's unnamed end {@code @id}. */
    private String defaultId() {
        Channel ch = channel;
        String address = Addresses.format(dialed() ? ch.localAddress() : ch.remoteAddress());
        return address.isEmpty() ? "@" + ch.id().asLongText() : address;
    }

    @Override
    public void setId(String newId) {
        SessionHub.checkId(newId);
        DefaultSession evicted = null;
        synchronized (this) {
            String oldId = id();
            customId = true;
            // Kept even when it is the default: listing a session with a custom id reads it.
            id = newId;
            if (!oldId.equals(newId) && lifecycle.isListed()) {
                evicted = peer.hub.rename(this, oldId, newId);
            }
        }
        SessionHub.evict(evicted, newId);
    }

    // Never null: handed out once connected, and Netty keeps a connected channel's addresses after it closes.
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
        return lifecycle.isHealthy(channel);
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

    @Override
    public int readLimit() {
        return readLimit;
    }

    @Override
    public void setReadLimit(int bytes) {
        if (bytes < 24) {
            throw new IllegalArgumentException("readLimit: " + bytes + " (expected: >= 24, the smallest frame)");
        }
        readLimit = Math.min(bytes, peer.protoContext.readLimit());
    }

    /** The current Netty channel; for integrations such as plugins and tests. */
    public Channel channel() {
        return channel;
    }

    @Override
    public java.time.Instant connectedAt() {
        return java.time.Instant.ofEpochMilli(connectedAt);
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
        return lifecycle.isFinished();
    }

    /** The number of pulls and pushes of the other side being handled. */
    public int activeHandlers() {
        return activeHandlers;
    }

    // ---------------------------------------------------------------- pulls and pushes

    @Override
    public <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options) {
        return calls.pullAndWait(uri, body, replyType, options);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<@Nullable T> pullAsync(String uri, @Nullable Object body, Class<T> replyType,
            CallOption... options) {
        return (CompletableFuture) calls.pull(uri, body, replyType, false, false, options);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, @Nullable Object body, Type replyType,
            CallOption... options) {
        return (CompletableFuture) calls.pull(uri, body, replyType, false, true, options);
    }

    @Override
    public CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options) {
        return calls.push(uri, body, options);
    }

    /** A broadcast's push, from this session's I/O thread, holding {@code shared} if any; whether it was handed over. */
    boolean pushEncoded(String uri, io.teleport.codec.PreEncoded body, @Nullable SharedBody shared, CallOption[] options) {
        return calls.pushEncoded(uri, body, shared, options);
    }

    /** The next seq for a pull or push of this side, as the connection's protocol counts. */
    long nextSeq() {
        return wireProto.seq(SEQ.getAndIncrement(this));
    }

    @Override
    public Proto proto() {
        return wireProto;
    }

    /** Records the protocol detected from the first frame of a connection under {@link io.teleport.proto.AutoProto}. */
    public void protoDetected(Proto detected) {
        wireProto = detected;
    }

    /** Whether new pulls and pushes may start: not closing, not closed. */
    boolean isOpen() {
        return lifecycle.isOpen();
    }

    /** Whether the session drains: closing gracefully, its handlers finishing and its pulls waiting for replies. */
    public boolean isClosing() {
        return lifecycle.isClosing();
    }

    /** The outbound side: queued bytes, the limit, writability. */
    SessionOutbound outbound() {
        return outbound;
    }

    /** A pull now waits for its reply, and for its timeout (as {@link PendingCalls#add} says); else why not. */
    @Nullable String addPending(PendingPull pull) {
        return pending.add(pull, peer.timer);
    }

    /**
     * Writes a frame, or, while a broken dialed connection is being replaced, once it is (or fails
     * it when that fails, or after {@code holdNanos}, a push's wait: a pull's is its timeout). Dial
     * hooks of the reconnection itself write at once.
     */
    void write(Object frame, ChannelFutureListener listener, long holdNanos) {
        outbound.write(frame, listener, lifecycle.writeBarrier(), holdNanos);
    }

    boolean removePending(PendingPull pull) {
        boolean removed = pending.remove(pull);
        if (removed) {
            lifecycle.closeIfDrained();
        }
        return removed;
    }

    /** Whether a handler of this session awaits the reply to a pull it made on it: reading then goes on past twice the in-flight limit, and is not paused for overload. */
    public boolean awaitsNestedReplies() {
        return pending.awaitsNested();
    }

    /**
     * The pull {@code reply} answers, removed; {@code null} for a late reply, of a pull that ended
     * without it. An erpc v6 AUTH_REPLY carries the replying side's own counter, not the AUTH_CALL's
     * seq (its client reads the next frame instead), so the handshake's pull is found by its URI.
     *
     * @throws ProtoException for a reply to no pull of this side's: more replies than pulls
     */
    public @Nullable PendingPull answeredBy(Packet reply) {
        PendingPull pull = proto() == ErpcRawProto.INSTANCE && ErpcRawProto.AUTH_URI.equals(reply.uri())
                ? pending.takeHandshake() : null;
        pull = pull != null ? pull : pending.take(reply.seq());
        if (pull != null) {
            lifecycle.closeIfDrained();
        } else if (!pending.takeLateReply(reply.xferPipe().length > 0)) {
            // Whatever such replies hold (gzip to inflate) is the other side's choosing, and passes every bound.
            throw new ProtoException("a reply to no pull of this side's (seq " + Long.toUnsignedString(reply.seq())
                    + "): more replies than pulls");
        }
        return pull;
    }

    public void handlerStarted() {
        ACTIVE_HANDLERS.incrementAndGet(this);
    }

    void handlerFinished() {
        if (ACTIVE_HANDLERS.decrementAndGet(this) == 0) {
            lifecycle.closeIfDrained();
        }
    }

    // ---------------------------------------------------------------- connection life (SessionLifecycle)

    /** A connection of this session is up (TLS done): hooks, then admission to the hub. */
    public void connected(Channel ch, @Nullable CompletableFuture<DefaultSession> ready) {
        channel = ch;
        connectedAt = System.currentTimeMillis();
        lifecycle.connected(ch, ready);
    }

    /** Lists it in the hub under its id (a default one may be made unique); returns whom it took the id from. */
    @Nullable DefaultSession listIn(SessionHub hub) {
        SessionHub.Listing listing = hub.add(this, customId ? id : defaultId(), !customId);
        id = listing.id();
        return listing.evicted();
    }

    /** Whether the dial or accept hooks of a connection are still running. */
    public boolean hooksRunning() {
        return lifecycle.hooksRunning();
    }

    /** A channel of this session left its event loop; if it never connected, the session is over. */
    public void unregistered(Channel ch) {
        lifecycle.unregistered(ch);
    }

    /**
     * The connection {@code ch} closed: {@code heardAny} whether a whole frame came in on it,
     * {@code closedHere} whether this side closed it, {@code brokenBy} what of the other side's made
     * this side close it, if that was a broken protocol or limit (see {@link SessionLifecycle#disconnected}).
     */
    public void disconnected(Channel ch, boolean heardAny, boolean closedHere, @Nullable String brokenBy) {
        lifecycle.disconnected(ch, heardAny, closedHere, brokenBy != null ? brokenBy : CallErrors.reasonClosed(ch));
    }

    public @Nullable String dialAddress() {
        return dialAddress;
    }

    boolean wantsRedial() {
        return lifecycle.wantsRedial();
    }

    void giveUp(Throwable error) {
        lifecycle.giveUp(error);
    }

    /** Ends every pending pull with what {@code errorOf} says. */
    void failPending(java.util.function.Function<PendingPull, Rerror> errorOf) {
        pending.failAll(errorOf);
    }

    boolean drained() {
        return activeHandlers == 0 && pending.isEmpty();
    }

    @Override
    public CompletableFuture<Void> close() {
        return close(peer.config.shutdownTimeout());
    }

    @Override
    public CompletableFuture<Void> dropConnection(String why) {
        return ConnectionDrop.drop(peer, channel, why);
    }

    /** Closes gracefully within {@code timeout} (see {@link SessionLifecycle#close}). */
    public CompletableFuture<Void> close(Duration timeout) {
        return lifecycle.close(timeout);
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return lifecycle.closeFuture();
    }

    @Override
    public String toString() {
        return "Session[" + id() + ", remote " + Addresses.format(channel.remoteAddress()) + "]";
    }
}
