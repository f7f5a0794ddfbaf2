package io.teleport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.teleport.message.Packet;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;

import java.util.List;

/**
 * Cuts the inbound byte stream into packets with the connection's {@link Proto}. After the first
 * error it discards everything, since the stream cannot be resynchronised; the session handler
 * closes the connection.
 */
final class PacketDecoder extends ByteToMessageDecoder {

    private final Proto proto;
    private final ProtoContext protoContext;
    private boolean failed;

    PacketDecoder(Proto proto, ProtoContext protoContext) {
        this.proto = proto;
        this.protoContext = protoContext;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            Packet packet = proto.decode(in, protoContext, ctx.alloc());
            if (packet != null) {
                out.add(packet);
            }
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
