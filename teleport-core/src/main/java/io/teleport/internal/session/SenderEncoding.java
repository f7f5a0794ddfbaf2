package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.MessageSizeEstimator;
import io.teleport.codec.CodecException;
import io.teleport.codec.Codecs;
import io.teleport.codec.PreEncoded;
import io.teleport.message.Packet;
import io.teleport.message.RerrorException;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.proto.ProtoException;
import org.jspecify.annotations.Nullable;

/**
 * What the sending thread does to a message before its connection's I/O thread sees it: the body
 * is marshalled here, so that codecs (Jackson, Protobuf) never run on an I/O thread that did not
 * send it, and the caller owns its body object only until the call returns. The I/O thread then only
 * frames bytes. A message with transfer filters (gzip) is framed here whole, since the filters cover
 * the header too, and so is one sent from its connection's own I/O thread.
 *
 * <p>Framing unfiltered messages on the I/O thread is measured to be cheaper than framing them here:
 * the frame's buffer is then allocated, written and freed by one thread.
 *
 * <p>It is also the channels' {@link MessageSizeEstimator}, so that Netty's count of pending
 * outbound bytes (write water marks, {@link DefaultSession#outboundBytes()}) sees prepared packets
 * at their size while they wait to be framed.
 */
public final class SenderEncoding {

    /** Sizes prepared messages for Netty's pending-bytes count. */
    public static final MessageSizeEstimator ESTIMATOR = () -> SenderEncoding::size;
    /** Header fields of a frame, and room for metadata, when a packet's size is estimated. */
    static final int FRAME_OVERHEAD = 64;
    /** The first buffer of a body whose codec cannot tell its size up front (JSON). */
    private static final int INITIAL_BODY = 256;

    private SenderEncoding() {
    }

    /**
     * Marshals a packet of {@code session}'s on the calling thread, so that codecs and filters never
     * run on an I/O thread and the caller owns its body only until the call returns; captures it for
     * the message log.
     *
     * @return what to write: the packet, or its whole frame when it has transfer filters
     * @throws RerrorException {@code 104} when the body cannot be marshalled or is over the read limit
     */
    static Object encode(DefaultSession session, Packet packet) {
        try {
            Channel ch = session.channel();
            Object prepared = prepare(packet, session.proto(), session.peer.protoContext, ch.alloc(),
                    ch.eventLoop().inEventLoop());
            session.peer.messageLog.capture(packet);
            return prepared;
        } catch (RuntimeException e) {
            throw new RerrorException(CallErrors.writeFailed(e), e);
        }
    }

    /**
     * Prepares {@code packet} for writing: the packet with its body marshalled, or its whole frame
     * when it has transfer filters.
     *
     * @throws RuntimeException from the codec, or a {@link ProtoException} when the body alone is
     *     over the read limit
     */
    static Object prepare(Packet packet, Proto proto, ProtoContext ctx, ByteBufAllocator alloc, boolean onIoThread) {
        if (packet.xferPipe().length > 0 || onIoThread) {
            // On the connection's own I/O thread (inline handlers, callbacks there) the frame is built,
            // written and freed by one thread anyway: build it whole, with no copy of the body.
            return proto.encode(packet, ctx, alloc);
        }
        // A broadcast's shared body (SharedBody) comes marshalled: the prepared packet holds its own reference.
        ByteBuf body = packet.encodedBody() != null ? packet.encodedBody().retainedDuplicate() : marshal(ctx.codecs(), packet);
        try {
            int bodyLength = body == null ? 0 : body.readableBytes();
            if (bodyLength > ctx.readLimit()) {
                throw new ProtoException("Size of package exceeds limit: body of " + bodyLength + " bytes (limit: "
                        + ctx.readLimit() + ")");
            }
            // Metadata that cannot fit fails here, on the sender, where the caller (or a reply's fallback
            // to a bare error) learns it, rather than in the frame encoder on the I/O thread.
            // The URI in UTF-8 bytes, not chars (one that came as invalid UTF-8 is three bytes a char when
            // echoed); counted only when it could matter, as a char is at most three bytes.
            String uri = packet.uri();
            long atLeast = (long) bodyLength + uri.length() + (packet.hasMeta() ? packet.meta().minEncodedLength() : 0);
            if (atLeast + 2L * uri.length() > ctx.readLimit()) {
                atLeast += ByteBufUtil.utf8Bytes(uri) - uri.length();
            }
            if (atLeast > ctx.readLimit()) {
                throw new ProtoException("Size of package exceeds limit: at least " + atLeast + " bytes (limit: "
                        + ctx.readLimit() + ")");
            }
        } catch (RuntimeException e) {
            if (body != null) {
                body.release();
            }
            throw e;
        }
        packet.encodedBody(body);
        return body == null ? packet : new PreparedPacket(packet);
    }

    /**
     * The body in an unpooled heap buffer, which the I/O thread copies into the frame and drops.
     * Heap rather than direct, since codecs write arrays without the per-call views a direct buffer
     * needs (protobuf's encoder over an NIO buffer), and the copy into the frame costs the same either
     * way. Unpooled, since the buffer is taken on one thread and freed on another: from the pooled
     * allocator that cost a handler thread 0.25 us a call at C = 1000 (its shared magazines and leak
     * tracking), more than the young garbage it saves.
     */
    private static @Nullable ByteBuf marshal(Codecs codecs, Packet packet) {
        Object body = packet.body();
        if (body == null) {
            return null;
        }
        if (body instanceof PreEncoded) {
            if (codecs.get(packet.bodyCodec()) == null) {
                throw new CodecException("unsupported codec id: " + (packet.bodyCodec() & 0xFF));
            }
            return Unpooled.wrappedBuffer(((PreEncoded) body).bytes());
        }
        int hint = codecs.sizeHint(packet.bodyCodec(), body);
        ByteBuf buf = Unpooled.buffer(hint > 0 ? hint : INITIAL_BODY);
        try {
            codecs.encode(packet.bodyCodec(), body, buf);
            return buf;
        } catch (RuntimeException | Error e) {
            buf.release();
            throw e;
        }
    }

    /** The bytes a prepared message will take in the outbound buffer. */
    static int size(Object msg) {
        if (msg instanceof ByteBuf) {
            return ((ByteBuf) msg).readableBytes();
        }
        if (msg instanceof PreparedPacket || msg instanceof Packet) {
            Packet p = msg instanceof PreparedPacket ? ((PreparedPacket) msg).packet() : (Packet) msg;
            ByteBuf body = p.encodedBody();
            return FRAME_OVERHEAD + p.uri().length() + (body == null ? 0 : body.readableBytes());
        }
        return 8;
    }
}
