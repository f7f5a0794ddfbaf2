package io.teleport.internal.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.teleport.message.Packet;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;

import java.util.List;

/** Encodes outbound packets into frames with the connection's {@link Proto}. */
@ChannelHandler.Sharable
final class PacketEncoder extends MessageToMessageEncoder<Packet> {

    private final Proto proto;
    private final ProtoContext protoContext;

    PacketEncoder(Proto proto, ProtoContext protoContext) {
        super(Packet.class);
        this.proto = proto;
        this.protoContext = protoContext;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Packet packet, List<Object> out) {
        out.add(proto.encode(packet, protoContext, ctx.alloc()));
    }
}
