package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.proto.AutoProto;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.proto.ProtoException;
import org.jspecify.annotations.Nullable;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts the inbound byte stream into packets with the connection's {@link Proto}, running the
 * {@code PreReadHeader} hooks before each frame.
 *
 * <p>A frame's bytes are reserved from the peer's inbound budget as they arrive, up to the size its
 * header declares; when they do not fit, the connection stops being read until they do (see
 * {@link ReadGate}). A frame whose first bytes have arrived must be complete within the frame-read
 * timeout, counted while the connection is being read. After the first error the decoder discards
 * everything, since the stream cannot be resynchronised; the session handler closes the connection.
 */
final class PacketDecoder extends ByteToMessageDecoder {

    /** The connection's protocol; {@link AutoProto} until the first frame shows which one it is. */
    private Proto proto;
    private final ProtoContext protoContext;
    private final DefaultSession session;
    private final ReadGate gate;
    private final long frameReadTimeoutNanos;
    private boolean failed;
    private boolean headerHooksRan;
    /** Bytes reserved for the frame being received; 0 when none is. */
    private long reserved;
    /** When the frame being received started arriving (or reading resumed); 0 when none is partial. */
    private long partialSince;
    /** The frame-read timeout's next look, while one is scheduled. */
    private @Nullable ScheduledFuture<?> frameTimer;
    /** Set once the decoder is in the pipeline. */
    private @Nullable ChannelHandlerContext ctx;
    /** Whether a whole frame was received: the connection has spoken. */
    private volatile boolean anyFrame;

    PacketDecoder(Proto proto, ProtoContext protoContext, DefaultSession session, ReadGate gate,
            long frameReadTimeoutNanos) {
        this.proto = proto;
        this.protoContext = protoContext;
        this.session = session;
        this.gate = gate;
        this.frameReadTimeoutNanos = frameReadTimeoutNanos;
        gate.onResume(this::retry);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Whether at least one whole frame arrived on this connection. */
    boolean anyFrame() {
        return anyFrame;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (gate.holdsDecoding() || gate.paused() && reserved == 0) {
            // Not reading: what is buffered waits, and is decoded when reading resumes.
            if (in.isReadable() && partialSince == 0) {
                partialSince = System.nanoTime();
            }
            return;
        }
        try {
            if (!headerHooksRan && session.peer.plugins.has(Hook.PRE_READ_HEADER)) {
                Rerror rerror = session.peer.plugins.run(Hook.PRE_READ_HEADER, session);
                if (rerror != null) {
                    throw new ProtoException("disconnected when reading: " + rerror.toJson());
                }
                headerHooksRan = true;
            }
            if (proto == AutoProto.INSTANCE) {
                Proto detected = AutoProto.detect(in);
                if (detected == null) {
                    armPartial(in);
                    return;
                }
                proto = detected;
                session.protoDetected(detected);
            }
            long size = proto.frameSize(in, protoContext);
            // What has arrived of the frame, not what its header declares: a header costs its sender
            // five bytes and must not hold a megabyte of every connection's budget.
            long arrived = Math.min(size, in.readableBytes());
            if (size > 0 && arrived > reserved) {
                if (!gate.reserveFrame(arrived - reserved, size, reserved)) {
                    // No room: the connection is paused; retry() comes back once room may be free.
                    return;
                }
                reserved = arrived;
            }
            Packet packet = proto.decode(in, protoContext, ctx.alloc());
            if (packet == null) {
                armPartial(in);
                return;
            }
            long charge = ReadGate.charge(packet);
            gate.settle(reserved, charge);
            reserved = 0;
            partialSince = in.isReadable() ? System.nanoTime() : 0;
            headerHooksRan = false;
            anyFrame = true;
            out.add(packet);
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            unreserve();
            session.peer.counters.badFrames.increment();
            throw e;
        }
    }

    /**
     * A frame started arriving: it must be complete within the frame-read timeout. Its clock may have
     * started already (bytes after a whole frame in the same read), without a timer: arm one anyway.
     */
    private void armPartial(ByteBuf in) {
        if (in.isReadable()) {
            if (partialSince == 0) {
                partialSince = System.nanoTime();
            }
            armFrameTimer();
        }
    }

    /** Reading resumed, or room may be free for the frame that waits: decode what is already buffered. */
    private void retry() {
        if (ctx == null || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
            channelReadComplete(ctx);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    private void armFrameTimer() {
        if (frameReadTimeoutNanos <= 0 || frameTimer != null || ctx == null) {
            return;
        }
        frameTimer = ctx.executor().schedule(this::checkFrame, frameReadTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void checkFrame() {
        frameTimer = null;
        if (partialSince == 0 || failed || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (gate.holdsDecoding() || gate.paused() && reserved == 0) {
            // This side stopped reading for this session's own load, or the frame waits for room and
            // holds none: the sender is not late, so its clock starts again. A frame that holds budget
            // and waits for more keeps counting: frames that never end would keep every connection waiting.
            partialSince = now;
        } else if (now - partialSince >= frameReadTimeoutNanos) {
            session.peer.counters.frameReadTimeouts.increment();
            ctx.fireExceptionCaught(new FrameReadTimeoutException(TimeUnit.NANOSECONDS.toMillis(frameReadTimeoutNanos)));
            return;
        }
        frameTimer = ctx.executor().schedule(this::checkFrame,
                Math.max(1, frameReadTimeoutNanos - (now - partialSince)), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // What is left is a partial frame: decoding it once more (as the base class does) yields
        // nothing, and only then is its reservation given back for good.
        super.channelInactive(ctx);
        failed = true;
        stop();
    }

    private void stop() {
        ScheduledFuture<?> t = frameTimer;
        if (t != null) {
            t.cancel(false);
            frameTimer = null;
        }
        unreserve();
        gate.closed();
    }

    private void unreserve() {
        if (reserved > 0) {
            gate.unreserve(reserved);
            reserved = 0;
        }
    }

    /** A frame that started arriving did not finish within the frame-read timeout. */
    static final class FrameReadTimeoutException extends ProtoException {

        private static final long serialVersionUID = 1L;

        FrameReadTimeoutException(long millis) {
            super("frame not complete within " + millis + " ms of its first bytes");
        }
    }
}
