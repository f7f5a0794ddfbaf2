package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.ReferenceCountUtil;
import io.teleport.internal.log.LogText;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * The outbound side of one session: how many bytes it has queued, whether it may queue more (the
 * write water marks and {@link io.teleport.limits.Limits#maxOutboundBytesPerSession()}), who waits for it
 * to become writable, and whether this side ever wrote on it.
 *
 * <p>Frames handed to the connection are counted by Netty itself, whose outbound buffer also counts
 * writes submitted from other threads (see {@link SenderEncoding#ESTIMATOR}); only frames held back
 * while the session redials are counted here.
 */
final class SessionOutbound {

    private final DefaultSession session;
    private static final AtomicLongFieldUpdater<SessionOutbound> WAITING_BYTES =
            AtomicLongFieldUpdater.newUpdater(SessionOutbound.class, "waitingBytes");
    // Fields rather than an AtomicLong and an eager queue: an idle session, of which there may be
    // tens of thousands, should cost little.
    private volatile long waitingBytes;
    /** Bytes of shared broadcast bodies in the frames queued (see {@link SharedBody}). */
    private volatile long sharedBytes;
    private static final AtomicLongFieldUpdater<SessionOutbound> SHARED_BYTES =
            AtomicLongFieldUpdater.newUpdater(SessionOutbound.class, "sharedBytes");
    /** Created by the first waiter; most sessions never have one. */
    private volatile @Nullable WritableWaiters writableWaiters;
    /** {@link #WROTE} once this side wrote. */
    private volatile int flags;
    /** The connection unread replies closed: counted once however many met it (a redial's next is new). */
    private volatile @Nullable Channel closedUnreadOn;
    /** When the session last went over its high water mark; 0 while it is under it. */
    volatile long slowSinceNanos;
    /** How long a reader that reads has to drain a frame that alone took it over its high water mark. */
    private static final long SLOW_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Whether a broadcast's frame is the last this side wrote but for application calls: no reply since. */
    private volatile boolean broadcastLast;
    private static final int WROTE = 1;
    private static final AtomicIntegerFieldUpdater<SessionOutbound> FLAGS =
            AtomicIntegerFieldUpdater.newUpdater(SessionOutbound.class, "flags");
    private static final AtomicReferenceFieldUpdater<SessionOutbound, Channel> CLOSED_UNREAD_ON =
            AtomicReferenceFieldUpdater.newUpdater(SessionOutbound.class, Channel.class, "closedUnreadOn");

    SessionOutbound(DefaultSession session) {
        this.session = session;
    }

    /** Bytes of this side's frames queued and not yet written to the socket. */
    long bytes() {
        return queuedAhead(false);
    }

    /**
     * {@link #bytes()} but for the broadcast bodies its frames share with other sessions' (the peer counts
     * each once): what the peer holds for this session alone.
     */
    long ownBytes() {
        // Netty counts a frame until its write has ended, and the share only then goes: never below, but for a moment.
        return Math.max(0, bytes() - sharedBytes);
    }

    /** A frame holding a shared broadcast body of {@code size} bytes is queued (or, negative, its write ended). */
    void holdingShared(int size) {
        SHARED_BYTES.addAndGet(this, size);
    }

    /**
     * Bytes a frame written now waits behind: a redial's dial hooks (its handshake) write before the
     * frames held for the redial, which must not keep them out ({@code dialHook} asks whether this may be one).
     */
    private long queuedAhead(boolean dialHook) {
        long held = waitingBytes;
        ChannelOutboundBuffer buffer = session.channel().unsafe().outboundBuffer();
        long written = buffer == null ? 0 : buffer.totalPendingWriteBytes();
        return held > 0 && dialHook && ConnectionHooks.inDialHooks(session) ? written : held + written;
    }

    /** Below the high water mark and the session's outbound limit. */
    boolean isWritable() {
        return session.channel().isWritable() && bytes() < session.peer.limits.maxOutboundBytesPerSession();
    }

    /** Whether a broadcast should pass this session by: a slow reader. */
    boolean isSlowReader(Object frame) {
        return !session.channel().isWritable() || !fits(bytes(), SenderEncoding.size(frame));
    }

    /** A broadcast hands this session a frame (see {@link #writabilityChanged}). */
    void wroteBroadcast() {
        broadcastLast = true;
    }

    /** A broadcast passes this session by ({@code why} follows its id): counted, logged once per interval. */
    void skipBroadcast(String uri, String why) {
        PeerContext peer = session.peer;
        peer.counters.broadcastSkipped.increment();
        peer.logs.outboundLog.record("broadcast " + LogText.safe(uri, peer.limits.logValueLimit()) + " skipped "
                + session.id() + why);
    }

    /** Whether a frame of {@code size} may join {@code queued} bytes: under the limit, or alone. */
    private boolean fits(long queued, int size) {
        // One frame always fits an empty buffer: the limit bounds what waits, not what a message may be
        // (the read limit, 16 MiB by default, is above it, and a frame that big must still be sendable).
        return queued == 0 || queued + size <= session.peer.limits.maxOutboundBytesPerSession();
    }

    /**
     * {@code 104} when {@code frame} does not fit under the session's outbound limit with what is
     * queued already (the frame is then released, the refusal counted and logged once per interval);
     * {@code null} when it fits, as any frame does when nothing is queued.
     */
    @Nullable Rerror refuse(Object frame, Packet packet) {
        PeerContext peer = session.peer;
        long queued = queuedAhead(true);
        long max = peer.limits.maxOutboundBytesPerSession();
        int size = SenderEncoding.size(frame);
        String over = null;
        if (!fits(queued, size)) {
            over = "outbound buffer of session " + session.id() + " is full: " + queued + " bytes queued, " + size
                    + " more would pass the limit of " + max;
        } else if (!session.channel().isWritable()) {
            over = overPeerLimit(size);
        }
        if (over == null) {
            return null;
        }
        ReferenceCountUtil.release(frame);
        return refused(packet, over);
    }

    /**
     * {@code 104} when the message cannot fit under the session's outbound limit, told before its body
     * is marshalled from what its codec can say of its size: a handler pushing to a peer that reads
     * nothing does not pay for each refused body. Only a session holding half its limit is looked at.
     */
    @Nullable Rerror refuseWhenFull(Packet packet) {
        long queued = queuedAhead(true);
        long max = session.peer.limits.maxOutboundBytesPerSession();
        // Filters (gzip) may make the frame much smaller than its body: only the frame can tell.
        if (queued <= max / 2 || packet.xferPipe().length > 0) {
            return null;
        }
        // A size the codec cannot tell (JSON) counts as nothing: refused here only when surely over.
        long atLeast = SenderEncoding.FRAME_OVERHEAD + packet.uri().length()
                + Math.max(0, session.peer.protoContext.codecs().sizeHint(packet.bodyCodec(), packet.body()));
        if (queued + atLeast <= max) {
            return null;
        }
        return refused(packet, "outbound buffer of session " + session.id() + " is full: " + queued
                + " bytes queued, at least " + atLeast + " more would pass the limit of " + max);
    }

    private Rerror refused(Packet packet, String over) {
        PeerContext peer = session.peer;
        peer.counters.outboundRefused.increment();
        peer.logs.outboundLog.record(packet.type() + " " + LogText.safe(packet.uri(), peer.limits.logValueLimit())
                + " to " + session.id());
        long held = waitingBytes;
        return new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", over + (held > 0 ? " (" + held + " of them wait for the"
                + " session to reconnect)" : " (the other side reads too slowly; see Session.whenWritable)"));
    }

    /**
     * Why {@code size} more bytes on this slow session would pass the peer-wide bound of slow readers'
     * bytes, or {@code null} when they may go on (see {@link SlowReaders#overLimit}).
     */
    private @Nullable String overPeerLimit(int size) {
        // Another reader is closed for this write only once slow long enough to tell from one that reads.
        return session.peer.slowReaders.overLimit(session, size, session.peer.limits.maxOutboundBytes(),
                SLOW_GRACE_NANOS);
    }

    /** Closed, or being closed, for replies it left unread: its bytes are about to be freed. */
    boolean closedUnread() {
        Channel ch = closedUnreadOn;
        return ch != null && ch == session.channel();
    }

    /** Marks {@code ch} closed for unread replies; true when this call did. */
    private boolean markClosedUnread(Channel ch) {
        for (Channel was = closedUnreadOn; was != ch; was = closedUnreadOn) {
            if (CLOSED_UNREAD_ON.compareAndSet(this, was, ch)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes this slow reader, over its share at the peer-wide bound and slow the longest; false when
     * it is slow no more (it read meanwhile) or another writer closed it already.
     */
    boolean closeStalled(int count, long queued, long max) {
        if (slowSinceNanos == 0 || !markClosedUnread(session.channel())) {
            return false;
        }
        session.peer.counters.unreadReplies.increment();
        session.peer.logs.outboundLog.record("what is sent to " + session.id() + " not read: it holds " + bytes()
                + " bytes and has read too slowly for " + TimeUnit.NANOSECONDS.toMillis(
                System.nanoTime() - slowSinceNanos) + " ms, the longest of the " + count + " sessions that do, which hold "
                + queued + " bytes against the peer's limit of " + max + "; connection closed");
        session.channel().close();
        return true;
    }

    /** A frame held back until a redial settles. */
    void holding(int size) {
        WAITING_BYTES.addAndGet(this, size);
    }

    /** A frame held back is written or dropped. */
    void released(int size) {
        WAITING_BYTES.addAndGet(this, -size);
    }

    /** This side writes on the session. */
    void markWritten() {
        if ((flags & WROTE) == 0) {
            setFlag(WROTE);
        }
    }

    /** Sets {@code flag}; true when this call set it. */
    private boolean setFlag(int flag) {
        for (int f = flags; (f & flag) == 0; f = flags) {
            if (FLAGS.compareAndSet(this, f, f | flag)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this side ever wrote on the session. */
    boolean wroteAny() {
        return (flags & WROTE) != 0;
    }

    /** See {@link io.teleport.session.Session#whenWritable()}. */
    CompletableFuture<Void> whenWritable() {
        WritableWaiters w = writableWaiters;
        if (w == null) {
            synchronized (this) {
                w = writableWaiters;
                if (w == null) {
                    w = new WritableWaiters();
                    writableWaiters = w;
                }
            }
        }
        return w.add(session);
    }

    /** The outbound buffer crossed a water mark (I/O thread): waiters are user code, run off it. */
    void writabilityChanged(Channel ch) {
        if (ch == session.channel()) {
            // Not the event of a connection a redial already replaced.
            boolean slow = !ch.isWritable() && ch.isActive();
            session.peer.slowReaders.update(session, slow);
            long max = session.peer.limits.maxOutboundBytes();
            long queued = slow ? session.peer.slowReaders.queuedBytes(session, ownBytes()) : 0;
            // The frame that made it slow was written while it was writable, unchecked (one always may
            // be): a peer that reads nothing holds its first reply, however large, and a thousand such
            // peers a thousand. Looked at again once a reader that reads would have drained, or at once
            // past twice the bound, as many such replies can come within that time.
            // Not at once, though, when a broadcast's frame did it: one larger than the high water mark makes
            // every reader it reaches slow together, and readers drain it in milliseconds; it is this side's
            // own frame, not one a remote made it queue, as a reply is (new-user trial 16).
            if (queued - max > max && !broadcastLast) {
                enforcePeerLimit(0);
            } else if (queued > max) {
                long since = slowSinceNanos;
                ch.eventLoop().schedule(() -> {
                    if (slowSinceNanos == since && ch == session.channel() && ch.isActive()) {
                        enforcePeerLimit(SLOW_GRACE_NANOS);
                    }
                }, SLOW_GRACE_NANOS, TimeUnit.NANOSECONDS);
            }
        }
        WritableWaiters waiters = writableWaiters;
        if (ch.isWritable() && waiters != null && !waiters.isEmpty()) {
            session.peer.offIoThread(true, this::releaseWaiters);
        }
    }

    /**
     * This slow session and the others past the peer's bound: the one over its share slow the longest
     * (for at least {@code graceNanos}) goes, this one if it is that one.
     */
    private void enforcePeerLimit(long graceNanos) {
        SlowReaders slow = session.peer.slowReaders;
        long max = session.peer.limits.maxOutboundBytes();
        if (slow.overLimit(session, 0, max, graceNanos) != null) {
            closeStalled(slow.count(session), slow.queuedBytes(session, ownBytes()), max);
        }
    }

    /** Completes every waiter: writable, or failed with {@code 104} once the session is finished. */
    void releaseWaiters() {
        WritableWaiters waiters = writableWaiters;
        if (waiters != null) {
            waiters.release(session.isFinished());
        }
    }

    /**
     * Writes a reply's frame on {@code ch}, the connection its pull came in on (after a redial the session's new
     * connection knows nothing of it: the write fails as the old one is closed): allowed while the session closes
     * gracefully, so that pulls in flight get answered. Reading stops at the high water mark, but each pull admitted
     * before still answers; a reply that would take the session past its outbound limit while the connection cannot
     * take more means the other side keeps pulling without reading the replies: the connection is closed (its pulls
     * end with 102 there) rather than hold replies without bound.
     */
    void writeReply(Channel ch, Object frame, ChannelFutureListener listener) {
        markWritten();
        if (broadcastLast) {
            broadcastLast = false;
        }
        // Writable is the common case, and one volatile read: sizes are summed only when it is not.
        if (!ch.isWritable() && closedForUnreadReplies(ch, frame, listener)) {
            return;
        }
        FrameWrites.writeAndFlush(ch, frame, listener);
    }

    /** Closes the connection when {@code frame} would take it past its outbound limit; false when it fits. */
    private boolean closedForUnreadReplies(Channel ch, Object frame, ChannelFutureListener listener) {
        if (!ch.isActive() || closedUnread()) {
            // Not writable because it is closed, or being closed for unread replies: nothing more to count.
            FrameWrites.notWritten(ch, frame, listener, new ClosedChannelException());
            return true;
        }
        long queued = bytes();
        int size = SenderEncoding.size(frame);
        long max = session.peer.limits.maxOutboundBytesPerSession();
        String over = queued + size > max ? queued + " bytes queued, " + size + " more would pass the limit of " + max
                : overPeerLimit(size);
        if (over == null) {
            return false;
        }
        if (markClosedUnread(ch)) {
            session.peer.counters.unreadReplies.increment();
        }
        session.peer.logs.outboundLog.record("what is sent to " + session.id() + " not read: " + over + "; connection closed");
        ch.close();
        FrameWrites.notWritten(ch, frame, listener, new java.io.IOException("not sent: the other side does not read what this side sends"));
        return true;
    }

    /**
     * Writes a frame, or, while a broken dialed connection is being replaced ({@code waiting}), once it
     * is (or fails it when that fails, or a push when {@code holdNanos} pass first).
     */
    void write(Object frame, ChannelFutureListener listener, @Nullable CompletableFuture<Void> waiting, long holdNanos) {
        markWritten();
        if (waiting == null) {
            Channel ch = session.channel();
            if (timedOutUnsent(listener, ch)) {
                ReferenceCountUtil.release(frame);
                return;
            }
            FrameWrites.writeAndFlush(ch, frame, listener);
            return;
        }
        HeldFrame held = new HeldFrame(this, frame, SenderEncoding.size(frame));
        if (listener instanceof PendingPull) {
            ((PendingPull) listener).holding(held);
        } else {
            held.expireAfter(session.peer.timer, holdNanos, (f, why) -> FrameWrites.notWritten(session.channel(), f, listener, why));
        }
        waiting.whenComplete((ok, error) -> {
            Object f = held.take();
            if (f == null) {
                // The pull timed out, or the push's wait passed, and freed its frame already.
                return;
            }
            Channel ch = session.channel();
            if (timedOutUnsent(listener, ch)) {
                ReferenceCountUtil.release(f);
                return;
            }
            if (error == null) {
                FrameWrites.writeAndFlush(ch, f, listener);
            } else {
                // Never written: say so, as "connection is closed" also ends pulls that were.
                FrameWrites.notWritten(ch, f, listener, new java.io.IOException("not sent: the session did not reconnect"));
            }
        });
    }

    /** Whether {@code listener} is a pull that already ended as not sent; if not, it is claimed for {@code ch}. */
    private static boolean timedOutUnsent(ChannelFutureListener listener, Channel ch) {
        return listener instanceof PendingPull && !((PendingPull) listener).claimWrite(ch);
    }
}
