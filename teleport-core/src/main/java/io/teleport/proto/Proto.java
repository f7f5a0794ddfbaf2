package io.teleport.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;

/**
 * A wire protocol: how a {@link Packet} becomes a frame and back.
 *
 * <p>The peer's default is {@link FastProto} (Teleport v3's {@code 'f'}); another protocol can be
 * given per peer or per connection. Implementations are stateless and thread-safe: every call gets
 * the {@link ProtoContext} of its connection.
 */
public interface Proto {

    /** A name for logs, such as {@code fast}. */
    String name();

    /**
     * Encodes a whole frame for {@code packet}, marshalling its body, and records the frame size in
     * the packet.
     *
     * @return a new buffer the caller owns
     * @throws ProtoException when the frame would exceed the limit or cannot be built; the codec's
     *     and filters' exceptions pass through. Nothing is leaked on any path.
     */
    ByteBuf encode(Packet packet, ProtoContext ctx, ByteBufAllocator alloc);

    /**
     * Decodes one frame from the readable bytes of {@code in}, consuming exactly that frame.
     *
     * <p>Returns {@code null}, consuming nothing, while the frame is incomplete. Implementations
     * check the length prefix against {@link ProtoContext#readLimit()} before waiting for the rest,
     * so an oversize frame is refused before it is buffered.
     *
     * @throws ProtoException for a malformed or oversize frame; the connection cannot go on
     */
    @Nullable Packet decode(ByteBuf in, ProtoContext ctx, ByteBufAllocator alloc);

    /**
     * The size of the frame starting at the reader index of {@code in}, as its header declares it,
     * so that the peer can reserve memory for it before the rest arrives. Consumes nothing.
     *
     * @return the size, length prefix included, or {@code -1} while too little of the header has
     *     arrived, or when this protocol cannot tell before the whole frame is there (then the frame
     *     is accounted once decoded)
     * @throws ProtoException when the declared size breaks {@link ProtoContext#readLimit()} or the format
     */
    default long frameSize(ByteBuf in, ProtoContext ctx) {
        return -1;
    }

    /**
     * The seq of a session's pull or push number {@code counter} (counting from 0): the protocol decides
     * where sequences start and how they wrap, so that replies, which are matched by seq, come back
     * with the very number they answer. Teleport v3 counts from 0 in 64 bits.
     */
    default long seq(long counter) {
        return counter;
    }
}
