package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.MessageSizeEstimator;
import io.netty.util.concurrent.FastThreadLocal;
import io.teleport.codec.CodecException;
import io.teleport.codec.Codecs;
import io.teleport.codec.PreEncoded;
import io.teleport.message.Packet;
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
    private static final int FRAME_OVERHEAD = 64;
    private static final int SCRATCH_KEPT = 64 * 1024;
    private static final FastThreadLocal<ByteBuf> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected ByteBuf initialValue() {
            return Unpooled.buffer(1024);
        }
    };

    private SenderEncoding() {
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
        byte[] body = marshal(ctx.codecs(), packet);
        if (body != null && body.length > ctx.readLimit()) {
            throw new ProtoException("Size of package exceeds limit: body of " + body.length + " bytes (limit: "
                    + ctx.readLimit() + ")");
        }
        // Metadata that cannot fit fails here, on the sender, where the caller (or a reply's fallback
        // to a bare error) learns it, rather than in the frame encoder on the I/O thread.
        long atLeast = (body == null ? 0L : body.length) + packet.uri().length() + packet.meta().minEncodedLength();
        if (atLeast > ctx.readLimit()) {
            throw new ProtoException("Size of package exceeds limit: at least " + atLeast + " bytes (limit: "
                    + ctx.readLimit() + ")");
        }
        packet.encodedBody(body);
        return packet;
    }

    private static byte @Nullable [] marshal(Codecs codecs, Packet packet) {
        Object body = packet.body();
        if (body == null) {
            return null;
        }
        if (body instanceof PreEncoded) {
            if (codecs.get(packet.bodyCodec()) == null) {
                throw new CodecException("unsupported codec id: " + (packet.bodyCodec() & 0xFF));
            }
            return ((PreEncoded) body).bytes();
        }
        ByteBuf scratch = SCRATCH.get().clear();
        try {
            codecs.encode(packet.bodyCodec(), body, scratch);
            return ByteBufUtil.getBytes(scratch);
        } finally {
            if (scratch.capacity() > SCRATCH_KEPT) {
                // A large body once should not keep its buffer for the life of the thread.
                scratch.clear().capacity(1024);
            }
        }
    }

    /** The bytes a prepared message will take in the outbound buffer. */
    static int size(Object msg) {
        if (msg instanceof ByteBuf) {
            return ((ByteBuf) msg).readableBytes();
        }
        if (msg instanceof Packet) {
            Packet p = (Packet) msg;
            byte[] body = p.encodedBody();
            return FRAME_OVERHEAD + p.uri().length() + (body == null ? 0 : body.length);
        }
        return 8;
    }
}
