package io.teleport.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.teleport.internal.session.DefaultSession;
import io.teleport.message.Packet;
import io.teleport.proto.ProtoContext;

import java.util.List;

/**
 * Encodes outbound packets into frames with the connection's protocol, asked of the session each time:
 * on a connection that detects its protocol from the first frame, it is known only once that arrived.
 */
@ChannelHandler.Sharable
final class PacketEncoder extends MessageToMessageEncoder<Packet> {

    private final DefaultSession session;
    private final ProtoContext protoContext;

    PacketEncoder(DefaultSession session, ProtoContext protoContext) {
        super(Packet.class);
        this.session = session;
        this.protoContext = protoContext;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Packet packet, List<Object> out) {
        out.add(session.proto().encode(packet, protoContext, ctx.alloc()));
    }
}
