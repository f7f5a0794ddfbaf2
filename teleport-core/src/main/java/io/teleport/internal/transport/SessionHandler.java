package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.codec.CodecException;
import io.teleport.internal.limits.MessageCharge;
import io.teleport.internal.limits.Admission;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.log.LogText;
import io.teleport.internal.session.CallErrors;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.Dialer;
import io.teleport.internal.session.InboundContext;
import io.teleport.internal.session.PendingPull;
import io.teleport.internal.session.PreparedPacket;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.proto.ProtoContext;
import io.teleport.proto.ProtoException;
import io.teleport.xfer.XferException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The last handler of a connection: admits the session once the connection is ready, matches
 * replies to pending pulls, and hands pulls and pushes to the handler executor through the
 * connection's {@link ReadGate}. It also closes an accepted connection on which nothing happens
 * within the handshake timeout.
 *
 * <p>On the way out it encodes packets into frames with the connection's protocol, asked of the session each
 * time (a connection that detects its protocol from the first frame knows it only then). One handler rather
 * than a separate encoder: an idle session is mostly its pipeline, and each handler costs a context.
 */
final class SessionHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final DefaultSession session;
    /** Completed once the session is ready, for a dial that waits for it; {@code null} otherwise. */
    private final @Nullable CompletableFuture<DefaultSession> ready;
    private final ReadGate gate;
    /** Messages past the in-flight limit waiting for room, read on for this side's replies. */
    private final WaitingMessages waiting;
    private final PacketDecoder decoder;
    private final ProtoContext protoContext;
    private @Nullable ScheduledFuture<?> handshakeTimer;
    /** Made when the connection is first not writable: most never are. */
    private @Nullable WriteStallWatch stallWatch;
    /**
     * Whether this side closed the connection (any close through the pipeline, or an error this side
     * noticed); false when the remote did, which Netty sees as the end of the stream or a reset.
     */
    private boolean closedHere;
    /** Why this side closed it (the other side broke the protocol or a limit, or a plugin refused): its pulls say so. */
    private @Nullable String brokenBy;
    private final TlsFailure tlsFailure;

    SessionHandler(DefaultSession session, @Nullable CompletableFuture<DefaultSession> ready, ReadGate gate,
            PacketDecoder decoder, ProtoContext protoContext) {
        this.session = session;
        this.ready = ready;
        this.gate = gate;
        this.waiting = new WaitingMessages(gate, this::start);
        this.decoder = decoder;
        this.protoContext = protoContext;
        this.tlsFailure = new TlsFailure(session);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Packet) {
            channelRead0(ctx, (Packet) msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Packet packet = msg instanceof PreparedPacket ? ((PreparedPacket) msg).packet()
                : msg instanceof Packet ? (Packet) msg : null;
        gate.wrote();
        decoder.wrote();
        if (packet == null) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf frame;
        try {
            frame = session.proto().encode(packet, protoContext, ctx.alloc());
        } catch (RuntimeException e) {
            // As Netty's encoders report it, which is what the write listeners unwrap.
            promise.tryFailure(e instanceof EncoderException ? e : new EncoderException(e));
            return;
        } finally {
            // A prepared packet's body is in the frame now (or the frame failed): back to the allocator.
            ReferenceCountUtil.release(msg);
        }
        ctx.write(frame, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedHere = true;
        ctx.close(promise);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        armHandshakeTimer(ctx.channel());
        activate(ctx.channel());
        super.channelActive(ctx);
    }

    /** The connection is up: the session is connected once TLS, if any, has finished its handshake. */
    void activate(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            session.connected(channel, ready);
            return;
        }
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                session.connected(channel, ready);
            } else {
                tlsFailure.report(channel, f.cause());
                if (ready != null) {
                    ready.completeExceptionally(Dialer.failed(String.valueOf(session.dialAddress()),
                            tlsFailure.dialFailure(f.cause())));
                }
                channel.close();
            }
        });
    }

    /**
     * An accepted connection that neither spoke (a byte) nor was spoken to within the handshake timeout
     * holds a descriptor and memory for whoever opened it. It is closed when its TLS handshake has not
     * finished, or when half of {@code maxConnections} or more are open; otherwise it may be a client
     * that only waits for pushes, and it is looked at again after another timeout.
     */
    void armHandshakeTimer(Channel channel) {
        long timeout = session.peer.limits.handshakeTimeout().toNanos();
        if (session.dialed() || timeout <= 0 || handshakeTimer != null) {
            return;
        }
        scheduleHandshakeLook(channel, timeout);
    }

    private void scheduleHandshakeLook(Channel channel, long timeout) {
        handshakeTimer = channel.eventLoop().schedule(() -> {
            handshakeTimer = null;
            if (!channel.isActive() || decoder.anyFrame() || session.wroteAny()) {
                return;
            }
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            boolean tlsPending = tls != null && !tls.handshakeFuture().isDone();
            // Bytes but no whole frame (reading paused for a full budget): frame-read-timeout's (hostile round 17).
            if (tlsPending || session.peer.acceptGate.placesScarce() && decoder.activity() == 0) {
                session.peer.counters.handshakeTimeouts.increment();
                log.debug("closing {}: no frame within the handshake timeout of {} ms", channel.remoteAddress(),
                        TimeUnit.NANOSECONDS.toMillis(timeout));
                // Counted in the log too, once per interval: thousands of them are a flood to see.
                session.peer.logs.silentLog.record(String.valueOf(channel.remoteAddress())
                        + (tlsPending ? " (TLS handshake not finished)" : ""));
                channel.close();
            } else {
                scheduleHandshakeLook(channel, timeout);
            }
        }, timeout, TimeUnit.NANOSECONDS);
    }

    /**
     * The other side ended its TLS ({@code close_notify}): nothing more can come, whether or not it closes its
     * socket. Closed once what came before is decoded (the gate may hold a drained remote's last replies).
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslCloseCompletionEvent && ctx.channel().isActive()) {
            closeOnceDecoded(ctx.channel(), System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        }
        super.userEventTriggered(ctx, evt);
    }

    private void closeOnceDecoded(Channel ch, long deadline) {
        if (!decoder.holdsBytes() || System.nanoTime() - deadline >= 0) {
            ch.close();
        } else if (ch.isActive()) {
            ch.eventLoop().schedule(() -> closeOnceDecoded(ch, deadline), 20, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ScheduledFuture<?> t = handshakeTimer;
        if (t != null) {
            t.cancel(false);
        }
        if (stallWatch != null) {
            stallWatch.stop();
        }
        gate.closed();
        waiting.closed();
        if (ready != null && !ready.isDone() && !session.hooksRunning()) {
            ready.completeExceptionally(Dialer.failed(String.valueOf(ctx.channel().remoteAddress()),
                    new IOException("connection closed before the session was ready")));
        }
        session.disconnected(ctx.channel(), decoder.anyFrame(), closedHere, brokenBy);
        super.channelInactive(ctx);
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) throws Exception {
        session.unregistered(ctx.channel());
        super.channelUnregistered(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        gate.writabilityChanged(session.pendingPulls() > 0);
        if (!ctx.channel().isWritable()) {
            watchStalls(ctx.channel());
        }
        session.writabilityChanged(ctx.channel());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
        watchUnwrittenReplies(ctx.channel());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // After the flush FlushConsolidationHandler held back while the read was in progress.
        super.channelReadComplete(ctx);
        watchUnwrittenReplies(ctx.channel());
    }

    /**
     * Watches for a stall when bytes flushed are left unwritten (the socket took not all of them) while
     * pulls of the other side wait for their replies here: unread, they would hold what their pulls
     * took of the inbound budget for good (see WriteStallWatch). Not otherwise: a peer that stopped
     * reading on purpose (its own in-flight limit) is stalled only past the high water mark.
     */
    private void watchUnwrittenReplies(Channel channel) {
        io.netty.channel.ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out != null && out.current() != null && gate.pullsWaiting()) {
            watchStalls(channel);
        }
    }

    private void watchStalls(Channel channel) {
        long stallNanos = session.peer.limits.writeStallTimeout().toNanos();
        if (stallNanos > 0) {
            if (stallWatch == null) {
                stallWatch = new WriteStallWatch(channel, session, gate::pullsWaiting);
            }
            stallWatch.bytesQueued();
        }
    }

    private void channelRead0(ChannelHandlerContext ctx, Packet packet) {
        ScheduledFuture<?> handshake = handshakeTimer;
        if (handshake != null) {
            // It spoke: the timer has nothing left to do, and an idle session should not keep it.
            handshakeTimer = null;
            handshake.cancel(false);
        }
        // As the decoder reserved it: worked out before the reply's end adds an error to its metadata.
        long charge = MessageCharge.of(packet);
        if (brokenBy != null) {
            // Read with the message that broke the protocol or a limit (counted): not handled, nor counted.
            gate.unreserve(charge);
            return;
        }
        if (packet.type() == PacketType.REPLY) {
            boolean handedOver = false;
            try {
                handedOver = onReply(packet, charge);
            } finally {
                if (!handedOver) {
                    // Handled: this side's own pull came back, and its bytes are free again.
                    gate.unreserve(charge);
                }
            }
        } else {
            dispatch(packet, charge);
        }
        gate.recheckInflight();
        if (gate.readingUnwritable()) {
            // Past the high water mark: stop once the other side's pulls wait here and none of ours there.
            gate.recheckUnwritable(session.pendingPulls() > 0);
        }
    }

    /** Whether the reply is read off the I/O thread, or kept for later: either holds its {@code charge} then. */
    private boolean onReply(Packet reply, long charge) {
        PendingPull pull;
        try {
            pull = session.answeredBy(reply);
        } catch (ProtoException unasked) {
            session.peer.counters.badFrames.increment();
            throw unasked;
        }
        if (pull == null) {
            session.peer.counters.lateReplies.increment();
            if (log.isDebugEnabled()) {
                log.debug("not found pull cmd (late reply), dropped: seq {} uri {}", reply.seq(),
                        LogText.safe(reply.uri(), session.peer.limits.logValueLimit()));
            }
            return false;
        }
        return ReplyHooks.read(session.peer, gate, pull, reply, charge);
    }

    /**
     * Hands a pull or push to the handler executor: the context runs itself there. During a drain, or
     * when the executor refuses it, a pull is answered 503 and a push dropped.
     */
    private void dispatch(Packet packet, long charge) {
        boolean pull = packet.type() == PacketType.PULL;
        Admission admission = gate.admit(charge, pull);
        boolean within = admission == Admission.WITHIN;
        boolean waits = admission == Admission.WAITS;
        if (!within && !waits) {
            // Refused past the limit: its bytes go back at once (its reply may wait behind a peer that
            // does not read), and only its place counts until its refusal is written.
            gate.givenBack(charge);
            packet.bodyBytes(null);
        }
        InboundContext inbound = new InboundContext(session, packet, gate, within || waits ? charge : 0);
        session.handlerStarted();
        if (!within && !waits) {
            inbound.refuseOverInflight();
            return;
        }
        if (waits || !waiting.noneWaiting()) {
            // In the order they came: behind those waiting already.
            waiting.add(inbound);
            return;
        }
        start(inbound);
    }

    /** Hands an admitted message to its handler, unless the peer drains. */
    private void start(InboundContext inbound) {
        if (inbound.refuseIfDraining()) {
            return;
        }
        if (inbound.startsOnIoThread()) {
            // It hands itself to the executor once its route turns out to be one that may block.
            inbound.run();
            return;
        }
        inbound.submit();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        int limit = session.peer.limits.logValueLimit();
        if (c instanceof SSLException || c.getCause() instanceof SSLException) {
            // After the handshake: with TLS 1.3 the server refuses a client's certificate only now, and
            // the pulls already sent must say so (the alert's text), not only that the connection closed.
            tlsFailure.report(ctx.channel(), c);
            brokenBy = "closed by this side after a TLS error: "
                    + LogText.safe(String.valueOf(TlsFailure.text(ctx.channel(), TlsFailure.reason(c))), limit);
        } else if (c instanceof ReadTimeoutException) {
            log.debug("disconnect({}) when reading: read idle timeout", session.id());
        } else if (c instanceof WriteTimeoutException) {
            log.debug("disconnect({}) when writing: write timeout", session.id());
        } else if (c instanceof IOException) {
            log.debug("disconnect({}) when reading: {}", session.id(), LogText.safe(c.toString(), limit));
        } else if (c instanceof PacketDecoder.HookRefusal) {
            // This side's own plugin decided: its pulls say so, and nobody broke anything.
            brokenBy = "closed by this side: a PreReadHeader plugin refused to read on: " + LogText.safe(c.getMessage(), limit);
            log.debug("disconnect({}): {}", session.id(), brokenBy);
        } else if (c instanceof ProtoException || c instanceof XferException || c instanceof CodecException
                || c instanceof DecoderException) {
            // The other side broke the protocol or a limit: each at DEBUG, at WARN once per interval for all connections
            // (a peer that reconnects to do it again must not flood the log); a stack would only say where it was noticed.
            String why = LogText.safe(c.getMessage(), limit);
            // A frame that timed out (maybe waiting for this side's budget) is told as it is, without the blame.
            brokenBy = "closed by this side: " + (c instanceof FrameReadTimeoutException ? "" : "the other side broke the protocol or a limit: ") + why;
            String text = "disconnect(" + session.id() + ") when reading: " + why;
            log.debug(text);
            session.peer.logs.brokenProtocolLog.record(text);
        } else {
            log.debug("disconnect({}) after an unexpected error", session.id(), c);
            session.peer.logs.unexpectedLog.record("disconnect(" + session.id() + "): " + LogText.safe(c.toString(), limit), c);
        }
        if (brokenBy != null) {
            // Before the close, which fails the writes still queued: their callers learn why too.
            CallErrors.closedBecause(ctx.channel(), brokenBy);
        }
        // A reset or broken pipe is the remote's doing; anything else (a TLS alert included) this side acts on.
        closedHere |= !(c instanceof IOException) || c instanceof SSLException || c.getCause() instanceof SSLException;
        ctx.close();
    }
}
