package io.teleport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.teleport.Rerror;
import io.teleport.message.Packet;
import io.teleport.proto.Proto;
import io.teleport.proto.ProtoContext;
import io.teleport.proto.ProtoException;

import java.util.List;

/**
 * Cuts the inbound byte stream into packets with the connection's {@link Proto}, running the
 * {@code PreReadHeader} hooks before each frame. After the first error it discards everything,
 * since the stream cannot be resynchronised; the session handler closes the connection.
 */
final class PacketDecoder extends ByteToMessageDecoder {

    private final Proto proto;
    private final ProtoContext protoContext;
    private final DefaultSession session;
    private boolean failed;
    private boolean headerHooksRan;

    PacketDecoder(Proto proto, ProtoContext protoContext, DefaultSession session) {
        this.proto = proto;
        this.protoContext = protoContext;
        this.session = session;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (!headerHooksRan && session.peer.plugins.hasPreReadHeader()) {
                Rerror rerror = session.peer.plugins.preReadHeader(session);
                if (rerror != null) {
                    throw new ProtoException("disconnected when reading: " + rerror.toJson());
                }
                headerHooksRan = true;
            }
            Packet packet = proto.decode(in, protoContext, ctx.alloc());
            if (packet != null) {
                headerHooksRan = false;
                out.add(packet);
            }
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
