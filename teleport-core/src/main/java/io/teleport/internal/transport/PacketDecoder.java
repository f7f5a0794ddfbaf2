package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.teleport.internal.limits.MessageCharge;
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
 *
 * <p>A frame of which more than {@link #GATHER_OVER} bytes have arrived, but not all, is gathered in
 * a heap buffer of its own rather than in the decoder's cumulation: that one grows by the allocator's
 * steps, keeps its capacity while pipelined bytes follow the frame, and is not what the budget counts
 * (4 connections sending 16 MiB frames held 500 MiB of direct memory against a 128 MiB budget). The
 * gathering buffer grows by doubling up to the declared size, and each growth is reserved before it
 * is allocated, so what the budget counts is what the frame holds (and the cumulation, see {@link HeldBytes}).
 */
final class PacketDecoder extends ByteToMessageDecoder {

    /** Once this much of a frame has arrived, and not all of it, the rest is gathered apart from the cumulation. */
    static final int GATHER_OVER = 64 * 1024;
    /**
     * The work one connection's frames may take of one turn of its I/O thread: a frame counts one, and
     * one more per 16 KiB its body holds (inflated), so that 256 small frames, or one body of 4 MiB
     * that gzip inflated, end the turn's share (see {@link ReadGate#pauseForTurn}).
     */
    static final int TURN_WORK = 256;

    /** The connection's protocol; {@link AutoProto} until the first frame shows which one it is. */
    private Proto proto;
    private final DecodeBounds bounds;
    private final DefaultSession session;
    private final ReadGate gate;
    private final long frameReadTimeoutNanos;
    private boolean failed;
    private boolean headerHooksRan;
    /** Bytes reserved for the frame being received; 0 when none is. */
    private long reserved;
    /** Whether the frame being received waited for room in the budget: a timeout then says so. */
    private boolean waitedForRoom;
    /** The frame-read timeout's count for the frame being received. */
    private final FrameClock clock;
    /** The frame-read timeout's next look, while one is scheduled. */
    private @Nullable ScheduledFuture<?> frameTimer;
    /** Set once the decoder is in the pipeline. */
    private @Nullable ChannelHandlerContext ctx;
    /** Whether a whole frame was received: the connection has spoken. */
    private volatile boolean anyFrame;
    /** Reads and frames written; the I/O thread's own, read elsewhere only as a hint (see CrowdMember). */
    private int activity;
    /** The large frame being gathered, from its first byte; null when none is. */
    private @Nullable ByteBuf gathering;
    /** The declared size of the frame being gathered. */
    private int gatheringSize;
    /** The work of this turn's frames so far; see {@link #TURN_WORK}. */
    private int turnWork;
    /** Set when the turn's share is used up with frames left, until the next turn decodes them. */
    private boolean turnSpent;
    private final HeldBytes held = new HeldBytes();

    PacketDecoder(Proto proto, ProtoContext protoContext, DefaultSession session, ReadGate gate,
            long frameReadTimeoutNanos) {
        this.proto = proto;
        this.bounds = new DecodeBounds(protoContext);
        this.session = session;
        this.gate = gate;
        this.frameReadTimeoutNanos = frameReadTimeoutNanos;
        this.clock = new FrameClock(session.peer.budget);
        gate.onResume(this::retry);
        setCumulator(held);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Whether at least one whole frame arrived on this connection. */
    boolean anyFrame() {
        return anyFrame;
    }

    /** The capacity of the buffer holding what waits undecoded. */
    int heldCapacity() {
        return internalBuffer().capacity();
    }

    /** Whether received bytes wait here undecoded (the gate holds them, or a frame is not whole yet). */
    boolean holdsBytes() {
        return actualReadableBytes() > 0;
    }

    /** Reads (a frame arriving slowly counts with each) and frames written so far. */
    int activity() {
        return activity;
    }

    /** A frame is written (the I/O thread). */
    void wrote() {
        activity++;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (turnSpent || held.compacting) {
            return;
        }
        if (gate.holdsDecoding()) {
            // Not reading for this session's own load: what is buffered waits, and is decoded when
            // reading resumes. A frame that waits for budget room goes on: that is how it tries again.
            if (in.isReadable()) {
                clock.startIfIdle();
            }
            return;
        }
        try {
            if (gathering != null) {
                gather(ctx, in, out);
                return;
            }
            if (!headerHooksRan && session.peer.plugins.has(Hook.PRE_READ_HEADER)) {
                Rerror rerror = session.peer.plugins.run(Hook.PRE_READ_HEADER, session);
                if (rerror != null) {
                    throw new HookRefusal(rerror);
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
            long size = proto.frameSize(in, bounds.peer());
            int limit = session.readLimit();
            if (size > limit) {
                // Lower than the peer's (which frameSize checked): a plugin has not verified the session yet.
                throw new ProtoException("Size of package exceeds limit: " + size + " bytes (limit: "
                        + limit + " for this session, until a plugin lifts it: auth, after the handshake)");
            }
            if (size > in.readableBytes() && in.readableBytes() >= GATHER_OVER) {
                startGathering(ctx, in, (int) size, out);
                return;
            }
            // What has arrived of the frame, not what its header declares: a header costs its sender
            // five bytes and must not hold a megabyte of every connection's budget.
            long arrived = Math.min(size, in.readableBytes());
            if (size > 0 && arrived > reserved) {
                if (!reserve(arrived - reserved, size)) {
                    return;
                }
                reserved = arrived;
            }
            Packet packet = proto.decode(in, bounds.forLimit(limit), ctx.alloc());
            if (packet == null) {
                armPartial(in);
                return;
            }
            decoded(packet, in, out);
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            dropGathering();
            unreserve();
            if (!(e instanceof HookRefusal)) {
                session.peer.counters.badFrames.increment();
            }
            throw e;
        }
    }

    /** A whole frame became a packet: its reservation becomes its charge. */
    private void decoded(Packet packet, ByteBuf in, List<Object> out) {
        long charge = MessageCharge.of(packet);
        gate.settle(reserved, charge);
        reserved = 0;
        waitedForRoom = false;
        clock.reset(in.isReadable());
        headerHooksRan = false;
        if (!anyFrame) {
            // Volatile: set once, not fenced again on every frame after.
            anyFrame = true;
        }
        out.add(packet);
        turnWork += 1 + (int) Math.min(TURN_WORK, charge >> 14);
        if (turnWork >= TURN_WORK && in.isReadable()) {
            turnSpent = true;
            gate.pauseForTurn(this::nextTurn);
        }
    }

    /** The next turn of the I/O thread: this connection's next share of what is buffered. */
    private void nextTurn() {
        turnSpent = false;
        turnWork = 0;
        retry();
    }

    /** Reserves {@code bytes} more for the frame of {@code size}; false: no room, paused until retry() may find some. */
    private boolean reserve(long bytes, long size) {
        boolean fits = gate.reserveFrame(bytes, size, reserved);
        waitedForRoom |= !fits;
        clock.roomWait(!fits, size);
        return fits;
    }

    /**
     * Starts gathering a large frame: its first buffer (twice what has arrived, at most the frame) is
     * reserved before it is allocated.
     */
    private void startGathering(ChannelHandlerContext ctx, ByteBuf in, int size, List<Object> out) {
        int capacity = (int) Math.min(size, 2L * in.readableBytes());
        if (capacity > reserved && !reserve(capacity - reserved, size)) {
            return;
        }
        reserved = Math.max(reserved, capacity);
        gathering = Unpooled.buffer(capacity, size);
        gatheringSize = size;
        gather(ctx, in, out);
    }

    /**
     * Moves what has arrived of the frame being gathered out of the cumulation, growing its buffer
     * (by doubling, up to the frame's size) only once the growth is reserved; decodes it once whole.
     */
    private void gather(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ByteBuf frame = gathering;
        int have = frame.writerIndex();
        int take = Math.min(gatheringSize - have, in.readableBytes());
        if (have + take > frame.capacity()) {
            int capacity = (int) Math.min(gatheringSize, Math.max(have + take, 2L * frame.capacity()));
            if (!reserve(capacity - reserved, gatheringSize)) {
                // Paused until room may be free; what has arrived stays in the cumulation meanwhile.
                return;
            }
            reserved = capacity;
            frame.capacity(capacity);
        }
        frame.writeBytes(in, take);
        if (frame.writerIndex() < gatheringSize) {
            clock.startIfIdle();
            armFrameTimer();
            return;
        }
        gathering = null;
        Packet packet;
        try {
            packet = proto.decode(frame, bounds.forLimit(session.readLimit()), ctx.alloc());
        } finally {
            frame.release();
        }
        if (packet == null) {
            throw new ProtoException("bad frame: " + gatheringSize + " bytes arrived, as its header declares,"
                    + " and it is still not whole");
        }
        decoded(packet, in, out);
    }

    private void dropGathering() {
        ByteBuf frame = gathering;
        if (frame != null) {
            gathering = null;
            frame.release();
        }
    }

    /**
     * A frame started arriving: it must be complete within the frame-read timeout. Its clock may have
     * started already (bytes after a whole frame in the same read), without a timer: arm one anyway.
     */
    private void armPartial(ByteBuf in) {
        if (in.isReadable()) {
            clock.startIfIdle();
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
        if (!clock.started() || failed || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (gate.holdsDecoding() || gate.paused() && reserved == 0) {
            // This side stopped reading for this session's own load, or the frame waits for room and
            // holds none: the sender is not late, so its clock starts again. One that holds budget and
            // waits for more does not count that wait either (FrameClock), and counts again once read.
            clock.restart(now);
        } else if (clock.counted(now, frameReadTimeoutNanos) >= frameReadTimeoutNanos) {
            session.peer.counters.frameReadTimeouts.increment();
            ctx.fireExceptionCaught(new FrameReadTimeoutException(TimeUnit.NANOSECONDS.toMillis(frameReadTimeoutNanos),
                    waitedForRoom));
            return;
        }
        frameTimer = ctx.executor().schedule(this::checkFrame,
                clock.untilNextLook(now, frameReadTimeoutNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        activity++;
        super.channelRead(ctx, msg);
    }

    /**
     * Leaves out, while the gate keeps the connection paused, the read the base class asks for after a
     * read that decoded nothing with auto-read off (it serves decoders that read by hand): here
     * auto-read is off because the gate stopped reading, and each such read, asking for the next, would
     * fill the cumulation without bound.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        held.compact(this, ctx, internalBuffer());
        if (!turnSpent) {
            // What was read is decoded (or waits for its rest, or for the gate): the next read has a whole share.
            turnWork = 0;
            gate.turnOver();
        }
        if (gate.paused()) {
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // What is left is a partial frame, or frames held back (by the gate, or past a turn's share),
        // whose messages would be dropped as their connection is closed: decoding once more (as the
        // base class does) yields nothing, and only then is its reservation given back for good.
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
        dropGathering();
        unreserve();
        gate.closed();
    }

    private void unreserve() {
        if (reserved > 0) {
            gate.unreserve(reserved);
            reserved = 0;
        }
    }

    /** This side's {@code PreReadHeader} plugins refused the next frame: this side's decision, not a broken frame. */
    static final class HookRefusal extends ProtoException {

        private static final long serialVersionUID = 1L;

        HookRefusal(Rerror rerror) {
            super(rerror.toJson());
        }
    }
}
