package io.teleport.internal.session;

import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.teleport.internal.log.LogText;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodType;
import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The invocation layer of one session, above its connection (as SOFABolt keeps invocation apart from
 * connections): starts this side's pulls and pushes: seq, call options, write hooks, the body
 * marshalled on the caller's thread, the outbound limit, then the write.
 */
final class SessionCalls {

    private static final Logger log = LoggerFactory.getLogger(SessionCalls.class);
    private static final Rerror CLOSING = new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed",
            "the session is closing: it sends only the replies to pulls in flight");

    private final DefaultSession session;

    SessionCalls(DefaultSession session) {
        this.session = session;
    }
    /**
     * A pull whose caller waits for the reply. Refused on any I/O thread of the peer, not only this
     * channel's: waiting there stalls every connection of that loop.
     */
    @SuppressWarnings("unchecked")
    <T> @Nullable T pullAndWait(String uri, @Nullable Object body, Class<T> replyType, CallOption[] options) {
        if (session.channel().eventLoop().inEventLoop() || session.peer.inIoThread()) {
            throw new IllegalStateException("a blocking pull on an I/O thread would stall or deadlock it; "
                    + "use pullAsync, or run handlers off the I/O thread");
        }
        CompletableFuture<@Nullable Object> future = pull(uri, body, replyType, true, false, options);
        try {
            Object reply = future.get();
            // int.class casts nothing, not even the Integer the codec gave: cast with the wrapper.
            return (T) (replyType.isPrimitive() ? MethodType.methodType(replyType).wrap().returnType() : replyType).cast(reply);
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


    /** Sends a pull; its future completes with the reply's body, or the whole {@link Reply}. */
    CompletableFuture<@Nullable Object> pull(String uri, @Nullable Object body, Type replyType, boolean sync,
            boolean wholeReply, CallOption[] options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(replyType, "replyType");
        Packet packet = new Packet(PacketType.PULL, session.nextSeq(), uri, body).bodyCodec(session.peer.defaultCodecId);
        OutgoingCall call = new OutgoingCall(session, packet, session.peer.pullTimeoutNanos).apply(options);
        PendingPull pull = new PendingPull(session, packet, replyType, sync, wholeReply, call.timeoutNanos());
        if (!session.isOpen()) {
            pull.fail(notOpen());
            return pull.future;
        }
        Rerror rejected = session.peer.plugins.run(Hook.PRE_WRITE_PULL, pull);
        if (rejected != null) {
            pull.fail(rejected);
            return pull.future;
        }
        // The reply is matched by the seq the pull waits under, and only a PULL gets one.
        packet.seq(pull.seq).type(PacketType.PULL);
        Rerror full = session.outbound().refuseWhenFull(packet);
        if (full != null) {
            pull.fail(full);
            return pull.future;
        }
        Object frame;
        try {
            frame = SenderEncoding.encode(session, packet);
        } catch (RerrorException unwritable) {
            // Thrown to the caller, as documented; ended here too, so that it is seen and logged.
            pull.failThrown(unwritable.rerror());
            throw unwritable;
        }
        full = session.outbound().refuse(frame, packet);
        if (full != null) {
            pull.fail(full);
            return pull.future;
        }
        if (NestedCalls.within(session)) {
            pull.countNested();
        }
        if (!pull.register()) {
            ReferenceCountUtil.release(frame);
            return pull.future;
        }
        session.write(frame, pull, 0);
        return pull.future;
    }

    /**
     * How long a push waits for its session's redial before it fails as not sent: its own timeout
     * ({@code CallOptions.timeout}), else the pull timeout; a push is worth less the later it comes.
     */
    private long holdNanos(OutgoingCall call) {
        return call.timeoutNanos() > 0 ? call.timeoutNanos() : session.peer.pullTimeoutNanos;
    }

    /**
     * Why a pull or push is not sent: a closing session (or peer) still sends the replies to the pulls
     * in flight, as Go Teleport's does, but nothing new, even from the handlers it waits for.
     */
    private Rerror notOpen() {
        return session.isClosing() || session.peer.closing ? CLOSING : CallErrors.writeFailed(null, session.channel());
    }

    /** A PostWrite hook's error: the message is sent already, so it is only logged. */
    static void logHookError(@Nullable Rerror rerror, String hook) {
        if (rerror != null) {
            log.error("{} hook failed: {}", hook, rerror.toJson());
        }
    }

    /** Sends a push; its future completes once the frame is written. */
    CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options) {
        Objects.requireNonNull(uri, "uri");
        Packet packet = new Packet(PacketType.PUSH, session.nextSeq(), uri, body).bodyCodec(session.peer.defaultCodecId);
        OutgoingCall call = new OutgoingCall(session, packet, 0).apply(options);
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!session.isOpen()) {
            done.completeExceptionally(notOpen().toException());
            return done;
        }
        long seq = packet.seq();
        Rerror rejected = session.peer.plugins.run(Hook.PRE_WRITE_PUSH, call);
        if (rejected != null) {
            done.completeExceptionally(rejected.toException());
            return done;
        }
        // Hooks may change the packet, but not what it is: its seq and its type stay.
        packet.seq(seq).type(PacketType.PUSH);
        Rerror full = session.outbound().refuseWhenFull(packet);
        if (full != null) {
            done.completeExceptionally(full.toException());
            return done;
        }
        Object frame = SenderEncoding.encode(session, packet);
        full = session.outbound().refuse(frame, packet);
        if (full != null) {
            done.completeExceptionally(full.toException());
            return done;
        }
        session.write(frame, f -> {
            if (f.isSuccess()) {
                session.peer.messageLog.pushLaunch(session, packet, call.startNanos());
                if (session.peer.plugins.has(Hook.POST_WRITE_PUSH)) {
                    session.peer.offIoThread(session.peer.plugins.blocks(Hook.POST_WRITE_PUSH), () -> {
                        logHookError(session.peer.plugins.run(Hook.POST_WRITE_PUSH, call), "PostWritePush");
                        done.complete(null);
                    });
                } else {
                    done.complete(null);
                }
            } else {
                done.completeExceptionally(CallErrors.writeFailed(f.cause(), f.channel()).toException());
            }
        }, holdNanos(call));
        return done;
    }

    /**
     * Pushes a body already encoded with {@code codec}, from this session's I/O thread (a broadcast
     * batches its writes per thread), or from a thread that may block when push hooks may.
     *
     * <p>With {@code shared}, the frame holds a slice of that buffer for its body rather than a copy,
     * unless a hook gives it transfer filters.
     *
     * @return whether the frame was handed to the connection: not when the session or its connection is
     *     closed, refused by a hook, or a slow reader (not writable)
     */
    boolean pushEncoded(String uri, io.teleport.codec.PreEncoded body, @Nullable SharedBody shared, CallOption[] options) {
        Packet packet = new Packet(PacketType.PUSH, session.nextSeq(), uri, body).bodyCodec(session.peer.defaultCodecId);
        OutgoingCall call = new OutgoingCall(session, packet, 0).apply(options);
        long seq = packet.seq();
        byte codec = packet.bodyCodec();
        // A connection closed or closing (a redial's, the remote's close not yet seen) is no slow reader:
        // passed by without a word, as a session already closed is.
        if (!session.isOpen() || !session.channel().isActive()
                || session.peer.plugins.run(Hook.PRE_WRITE_PUSH, call) != null) {
            return false;
        }
        packet.seq(seq).type(PacketType.PUSH);
        // Not when a hook changed the body or its codec for this session, nor under TLS, whose handler
        // encrypts each frame into a buffer of its own at once: there a shared body saves nothing, and
        // counted once it would hide what each session holds (a review).
        SharedBody usable = shared != null && packet.body() == body && packet.bodyCodec() == codec
                && session.channel().pipeline().get(SslHandler.class) == null ? shared : null;
        Object frame;
        try {
            frame = SenderEncoding.encode(session, packet.encodedBody(usable == null ? null : usable.buffer()));
        } catch (RerrorException e) {
            packet.encodedBody(null);
            // A session under teleport.protocol: auto that has said nothing yet, or a hook's bad metadata.
            session.peer.counters.broadcastSkipped.increment();
            session.peer.logs.unframedLog.record("broadcast " + LogText.safe(uri, session.peer.limits.logValueLimit())
                    + " skipped " + session.id() + ": " + e.rerror().detail());
            return false;
        }
        if (!(frame instanceof PreparedPacket)) {
            // Framed already; the hooks that see the packet later must not reach a buffer freed by then.
            packet.encodedBody(null);
        }
        if (session.outbound().isSlowReader(frame)) {
            // A slow reader: a broadcast goes on without it rather than queue more for it.
            ReferenceCountUtil.release(frame);
            session.outbound().skipBroadcast(uri, "");
            return false;
        }
        session.outbound().wroteBroadcast();
        // Counted as the frame's only when it holds the body: not when a hook's filters made it copy it.
        SharedBody held = usable != null && packet.xferPipe().length == 0
                && (frame instanceof PreparedPacket || frame instanceof CompositeByteBuf) ? usable : null;
        if (held != null) {
            held.hold();
            session.outbound().holdingShared(held.size());
        }
        session.write(frame, f -> {
            if (held != null) {
                session.outbound().holdingShared(-held.size());
                held.release();
            }
            if (f.isSuccess()) {
                session.peer.messageLog.pushLaunch(session, packet, call.startNanos());
                if (session.peer.plugins.has(Hook.POST_WRITE_PUSH)) {
                    session.peer.offIoThread(session.peer.plugins.blocks(Hook.POST_WRITE_PUSH),
                            () -> logHookError(session.peer.plugins.run(Hook.POST_WRITE_PUSH, call), "PostWritePush"));
                }
            }
        }, holdNanos(call));
        return true;
    }
}
