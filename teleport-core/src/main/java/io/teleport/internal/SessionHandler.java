package io.teleport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import io.teleport.Rerror;
import io.teleport.codec.CodecException;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.proto.ProtoException;
import io.teleport.xfer.XferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The last inbound handler of a connection: admits the session once the connection is ready,
 * matches replies to pending pulls, and hands pulls and pushes to the handler executor.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Packet> {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final DefaultSession session;
    private final CompletableFuture<DefaultSession> ready;

    SessionHandler(DefaultSession session, CompletableFuture<DefaultSession> ready) {
        super(Packet.class, false);
        this.session = session;
        this.ready = ready;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        activate(ctx.channel());
        super.channelActive(ctx);
    }

    /** The connection is up: the session is connected once TLS, if any, has finished its handshake. */
    void activate(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            session.connected(channel, ready);
            return;
        }
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                session.connected(channel, ready);
            } else {
                log.debug("TLS handshake with {} failed: {}", channel.remoteAddress(), String.valueOf(f.cause()));
                if (ready != null) {
                    ready.completeExceptionally(Connections.dialFailed(String.valueOf(channel.remoteAddress()), f.cause()));
                }
                channel.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ready != null && !ready.isDone() && !session.hooksRunning()) {
            ready.completeExceptionally(Connections.dialFailed(String.valueOf(ctx.channel().remoteAddress()),
                    new IOException("connection closed before the session was ready")));
        }
        session.disconnected(ctx.channel());
        super.channelInactive(ctx);
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) throws Exception {
        session.unregistered(ctx.channel());
        super.channelUnregistered(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
        if (packet.type() == PacketType.REPLY) {
            onReply(packet);
        } else {
            dispatch(new InboundContext(session, packet));
        }
    }

    private void onReply(Packet reply) {
        PendingPull pull = session.takePending(reply.seq());
        if (pull == null) {
            log.debug("not found pull cmd (late or unknown reply), dropped: seq {} uri {}", reply.seq(), reply.uri());
            return;
        }
        if (session.peer.plugins.replyHooksBlock() && !session.peer.inline) {
            // Reply hooks are user code that may block: keep them off the I/O thread.
            session.peer.runBlocking(() -> pull.onReply(reply));
        } else {
            pull.onReply(reply);
        }
    }

    /** Hands a pull or push to the handler executor: the context runs itself there. */
    private void dispatch(InboundContext inbound) {
        session.handlerStarted();
        try {
            session.peer.executor.execute(inbound);
        } catch (RejectedExecutionException e) {
            boolean pull = inbound.request.type() == PacketType.PULL;
            log.warn("handler executor refused {} {} from {}: {}", pull ? "pull" : "push", inbound.request.uri(),
                    session.id(), e.toString());
            if (pull) {
                inbound.reply(null, new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable",
                        "the handler executor is saturated or shut down"));
            } else {
                session.handlerFinished();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof ReadTimeoutException) {
            log.debug("disconnect({}) when reading: read idle timeout", session.id());
        } else if (c instanceof WriteTimeoutException) {
            log.debug("disconnect({}) when writing: write timeout", session.id());
        } else if (c instanceof IOException) {
            log.debug("disconnect({}) when reading: {}", session.id(), c.toString());
        } else if (c instanceof ProtoException || c instanceof XferException || c instanceof CodecException
                || c instanceof DecoderException) {
            // Bad input from the other side: the message says what; a stack would only say where it was noticed.
            log.warn("disconnect({}) when reading: {}", session.id(), c.getMessage());
        } else {
            log.warn("disconnect({}) after an unexpected error", session.id(), c);
        }
        ctx.close();
    }
}
