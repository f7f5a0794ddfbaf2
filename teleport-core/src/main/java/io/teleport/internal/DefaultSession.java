package io.teleport.internal;

import io.netty.channel.Channel;
import io.teleport.Rerror;
import io.teleport.RerrorException;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;

import java.lang.reflect.Type;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/** The session of one Netty channel, on either end. Not part of the API: use {@link Session}. */
public final class DefaultSession implements Session {

    private static final AtomicLongFieldUpdater<DefaultSession> SEQ =
            AtomicLongFieldUpdater.newUpdater(DefaultSession.class, "seq");

    final PeerContext peer;
    final Channel channel;
    private final ConcurrentHashMap<Long, PendingPull> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile long seq;
    private volatile String id;
    private volatile ConcurrentHashMap<String, Object> attributes;
    private volatile boolean closing;

    private final boolean dialed;

    DefaultSession(PeerContext peer, Channel channel, boolean dialed) {
        this.peer = peer;
        this.channel = channel;
        this.dialed = dialed;
    }

    @Override
    public String id() {
        String current = id;
        return current != null ? current : defaultId();
    }

    /** Teleport's default: the remote address on the accepting side, the local one on the dialing side. */
    private String defaultId() {
        return Addresses.format(dialed ? channel.localAddress() : channel.remoteAddress());
    }

    @Override
    public void setId(String newId) {
        Objects.requireNonNull(newId, "newId");
        String oldId;
        synchronized (this) {
            oldId = id();
            if (oldId.equals(newId)) {
                return;
            }
            id = newId;
        }
        if (!closing) {
            peer.hub.rename(this, oldId, newId);
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
        return !closing && channel.isActive();
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

    /** The Netty channel; for integrations such as plugins and tests. */
    public Channel channel() {
        return channel;
    }

    /** The number of pulls of this side still waiting for a reply. */
    public int pendingPulls() {
        return pending.size();
    }

    @Override
    public <T> T pull(String uri, Object body, Class<T> replyType, CallOption... options) {
        if (channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("a blocking pull on this session's I/O thread would deadlock it; "
                    + "use pullAsync, or run handlers off the I/O thread");
        }
        CompletableFuture<Reply<Object>> future = start(uri, body, replyType, true, options);
        try {
            return replyType.cast(future.get().body());
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
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> pullAsync(String uri, Object body, Class<T> replyType, CallOption... options) {
        return start(uri, body, replyType, false, options).thenApply(reply -> (T) reply.body());
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, Object body, Type replyType, CallOption... options) {
        return (CompletableFuture) start(uri, body, replyType, false, options);
    }

    private CompletableFuture<Reply<Object>> start(String uri, Object body, Type replyType, boolean sync,
            CallOption[] options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(replyType, "replyType");
        Packet packet = new Packet(PacketType.PULL, SEQ.getAndIncrement(this), uri, body).bodyCodec(peer.defaultCodecId);
        OutgoingCall call = new OutgoingCall(packet, peer.pullTimeoutNanos).apply(options);
        PendingPull pull = new PendingPull(this, packet, replyType, sync, call.timeoutNanos());
        if (!isHealthy()) {
            pull.fail(PendingPull.writeFailed(null));
            return pull.future;
        }
        pending.put(packet.seq(), pull);
        pull.startTimer();
        channel.writeAndFlush(packet).addListener(pull);
        return pull.future;
    }

    @Override
    public CompletableFuture<Void> push(String uri, Object body, CallOption... options) {
        Objects.requireNonNull(uri, "uri");
        Packet packet = new Packet(PacketType.PUSH, SEQ.getAndIncrement(this), uri, body).bodyCodec(peer.defaultCodecId);
        new OutgoingCall(packet, 0).apply(options);
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!isHealthy()) {
            done.completeExceptionally(PendingPull.writeFailed(null).toException());
            return done;
        }
        channel.writeAndFlush(packet).addListener(f -> {
            if (f.isSuccess()) {
                done.complete(null);
            } else {
                done.completeExceptionally(PendingPull.writeFailed(f.cause()).toException());
            }
        });
        return done;
    }

    boolean removePending(PendingPull pull) {
        return pending.remove(pull.request.seq(), pull);
    }

    PendingPull takePending(long seq) {
        return pending.remove(seq);
    }

    @Override
    public CompletableFuture<Void> close() {
        closing = true;
        channel.close();
        return closeFuture;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /** The connection is up: join the hub. */
    void onActive() {
        synchronized (this) {
            if (id == null) {
                id = defaultId();
            }
        }
        peer.hub.add(this);
    }

    /** The connection is gone: leave the hub and end every pull still waiting with 102. */
    void onInactive() {
        closing = true;
        peer.hub.remove(this);
        for (Long key : pending.keySet()) {
            PendingPull pull = pending.remove(key);
            if (pull != null) {
                pull.onClosed();
            }
        }
        closeFuture.complete(null);
    }

    @Override
    public String toString() {
        return "Session[" + id + ", remote " + Addresses.format(channel.remoteAddress()) + "]";
    }

    static Rerror connectionClosed() {
        return PendingPull.CONNECTION_CLOSED;
    }
}
