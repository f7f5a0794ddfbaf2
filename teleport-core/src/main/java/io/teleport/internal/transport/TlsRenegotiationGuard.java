package io.teleport.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLException;

/**
 * Refuses TLS renegotiation: the other side's handshake record after the handshake finished (TLS
 * 1.2's ClientHello or HelloRequest; TLS 1.3 has none, its later handshake messages travel as
 * application data). The JDK's engine accepts a client's renegotiation by default, and each costs
 * this side a full handshake's CPU, as often as the other side likes over one connection that stays
 * open. Sits before the TLS handler and reads only the plain five-byte record headers, skipping the
 * record bodies.
 */
final class TlsRenegotiationGuard extends ChannelInboundHandlerAdapter {

    private static final int HEADER = 5;
    private static final int HANDSHAKE = 22;

    private final SslHandler tls;
    private final byte[] header = new byte[HEADER];
    private int headerHave;
    /** Bytes of the current record's body still to pass. */
    private int bodyLeft;
    private boolean refused;

    TlsRenegotiationGuard(SslHandler tls) {
        this.tls = tls;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess() && "TLSv1.3".equals(tls.engine().getSession().getProtocol()) && !ctx.isRemoved()) {
                // TLS 1.3 has no renegotiation: nothing left to watch.
                ctx.pipeline().remove(this);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf && renegotiates((ByteBuf) msg)) {
            refused = true;
            ReferenceCountUtil.release(msg);
            // Through the pipeline's error path, which logs and counts it as the TLS failure it is.
            ctx.fireExceptionCaught(new SSLException("renegotiation refused: the other side started a new TLS"
                    + " handshake on a connection whose handshake had finished"));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether a record of {@code in} begins a handshake after the first one finished. */
    private boolean renegotiates(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (bodyLeft > 0) {
                int n = Math.min(bodyLeft, end - i);
                i += n;
                bodyLeft -= n;
                continue;
            }
            header[headerHave++] = in.getByte(i++);
            if (headerHave == HEADER) {
                headerHave = 0;
                bodyLeft = ((header[3] & 0xFF) << 8) | (header[4] & 0xFF);
                if ((header[0] & 0xFF) == HANDSHAKE && tls.handshakeFuture().isSuccess()) {
                    return true;
                }
            }
        }
        return false;
    }
}
