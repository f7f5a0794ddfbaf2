package io.teleport.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.PreparedPacket;
import io.teleport.message.Packet;
import io.teleport.proto.ProtoContext;

import java.util.List;

/**
 * Encodes outbound packets into frames with the connection's protocol, asked of the session each time:
 * on a connection that detects its protocol from the first frame, it is known only once that arrived.
 * A {@link PreparedPacket} is released (its marshalled body with it) by the base class once framed.
 */
@ChannelHandler.Sharable
final class PacketEncoder extends MessageToMessageEncoder<Object> {

    private final DefaultSession session;
    private final ProtoContext protoContext;

    PacketEncoder(DefaultSession session, ProtoContext protoContext) {
        this.session = session;
        this.protoContext = protoContext;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof PreparedPacket || msg instanceof Packet;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        Packet packet = msg instanceof PreparedPacket ? ((PreparedPacket) msg).packet() : (Packet) msg;
        out.add(session.proto().encode(packet, protoContext, ctx.alloc()));
    }
}
