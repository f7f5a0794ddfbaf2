package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import io.teleport.message.Packet;

/**
 * A packet whose body the sending thread marshalled into a pooled buffer, on its way to the frame
 * encoder. Reference counted so that every path that drops an outbound message (a closed channel, a
 * refused write, a stopped event loop) returns the body to the pool as Netty releases the message,
 * and the encoder releases it once the frame holds a copy.
 */
public final class PreparedPacket extends AbstractReferenceCounted {

    private final Packet packet;

    PreparedPacket(Packet packet) {
        this.packet = packet;
    }

    /** The packet, whose {@link Packet#encodedBody()} is valid until this is released. */
    public Packet packet() {
        return packet;
    }

    @Override
    protected void deallocate() {
        ByteBuf body = packet.encodedBody();
        if (body != null) {
            packet.encodedBody(null);
            body.release();
        }
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        ByteBuf body = packet.encodedBody();
        if (body != null) {
            body.touch(hint);
        }
        return this;
    }
}
