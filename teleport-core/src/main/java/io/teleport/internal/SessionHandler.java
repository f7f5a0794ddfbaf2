package io.teleport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.teleport.Rerror;
import io.teleport.RerrorException;
import io.teleport.codec.CodecException;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.proto.ProtoException;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The last inbound handler of a connection: matches replies to pending pulls, routes pulls and
 * pushes to their handlers on the handler executor, and writes the replies.
 */
final class SessionHandler extends SimpleChannelInboundHandler<Packet> {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    private static final Rerror NOT_FOUND = Rerror.of(Rerror.CODE_NOT_FOUND, "Not Found");

    private final DefaultSession session;
    private final CompletableFuture<DefaultSession> active;

    SessionHandler(DefaultSession session, CompletableFuture<DefaultSession> active) {
        super(Packet.class, false);
        this.session = session;
        this.active = active;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        session.onActive();
        if (active != null) {
            active.complete(session);
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.onInactive();
        super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Packet packet) {
        switch (packet.type()) {
            case REPLY:
                onReply(packet);
                break;
            case PULL:
                onPull(packet);
                break;
            default:
                onPush(packet);
                break;
        }
    }

    private void onReply(Packet reply) {
        PendingPull pull = session.takePending(reply.seq());
        if (pull == null) {
            log.debug("not found pull cmd (late or unknown reply), dropped: seq {} uri {}", reply.seq(), reply.uri());
            return;
        }
        pull.onReply(reply);
    }

    private void onPull(Packet request) {
        RequestUri uri;
        try {
            uri = RequestUri.parse(request.uri());
        } catch (IllegalArgumentException e) {
            // Teleport splices the cause into the message rather than the detail: keep its wire form.
            writeReply(request, null, Rerror.of(Rerror.CODE_BAD_PACKET, "Bad Packet" + e.getMessage()));
            return;
        }
        Route route = session.peer.pullRouter.lookup(uri.path());
        if (route == null) {
            route = session.peer.pullRouter.unknown();
            if (route == null) {
                writeReply(request, null, NOT_FOUND);
                return;
            }
        }
        InboundContext ctx = new InboundContext(session, request, uri, route);
        try {
            session.peer.executor.execute(() -> handlePull(ctx));
        } catch (RejectedExecutionException e) {
            log.warn("handler executor refused pull {} from {}: {}", request.uri(), session.id(), e.toString());
            writeReply(request, null, new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable",
                    "the handler executor is saturated or shut down"));
        }
    }

    private void handlePull(InboundContext ctx) {
        Object body = null;
        if (!ctx.route.isRaw()) {
            try {
                body = session.peer.codecs.decode(ctx.request.bodyCodec(), ctx.request.bodyBytes(), ctx.route.bodyType());
            } catch (CodecException e) {
                writeReply(ctx, null, new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet", e.getMessage()));
                return;
            }
        }
        Object result;
        try {
            result = ctx.route.invoke(body, ctx);
        } catch (Throwable t) {
            writeReply(ctx, null, handlerError(ctx, t));
            return;
        }
        if (result instanceof CompletionStage) {
            ((CompletionStage<?>) result).whenComplete((value, error) -> {
                if (error != null) {
                    writeReply(ctx, null, handlerError(ctx, unwrap(error)));
                } else {
                    writeReply(ctx, value, null);
                }
            });
        } else {
            writeReply(ctx, result, null);
        }
    }

    private Rerror handlerError(InboundContext ctx, Throwable t) {
        if (t instanceof RerrorException) {
            return ((RerrorException) t).rerror();
        }
        log.warn("handler {} failed on {} from {}", ctx.route.handlerName(), ctx.request.uri(), session.id(), t);
        if (t instanceof Error && !(t instanceof AssertionError) && !(t instanceof StackOverflowError)) {
            // Keep the reply, but do not swallow what the JVM needs to see.
            log.error("fatal error in handler", t);
        }
        return new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", t.toString());
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private void writeReply(Packet request, Object body, Rerror rerror) {
        writeReply(new InboundContext(session, request, null, null), body, rerror);
    }

    private void writeReply(InboundContext ctx, Object body, Rerror rerror) {
        Packet request = ctx.request;
        Packet reply = new Packet(PacketType.REPLY).seq(request.seq()).uri(request.uri());
        reply.xferPipe(request.xferPipe());
        if (ctx.extraXfer() != null) {
            reply.appendXfer(ctx.extraXfer());
        }
        if (ctx.replyMetaOrNull() != null) {
            reply.meta(ctx.replyMetaOrNull());
        }
        if (rerror != null) {
            rerror.writeTo(reply.meta());
        } else if (body != null) {
            byte codec = ctx.replyBodyCodec();
            if (codec == Packet.NO_CODEC) {
                codec = request.bodyCodec() != Packet.NO_CODEC ? request.bodyCodec() : session.peer.defaultCodecId;
            }
            reply.bodyCodec(codec).body(body);
        }
        session.channel.writeAndFlush(reply).addListener(f -> {
            if (f.isSuccess()) {
                return;
            }
            if (rerror == null && session.channel.isActive()) {
                // The reply could not be built (marshalling, size limit): answer with the reason
                // rather than leave the puller waiting.
                Rerror failed = PendingPull.writeFailed(f.cause());
                log.warn("reply to {} (seq {}) could not be written: {}", request.uri(), request.seq(), failed.detail());
                writeReply(new InboundContext(session, request, null, null), null,
                        new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", "reply: " + failed.detail()));
            } else {
                log.debug("reply to {} (seq {}) not written: {}", request.uri(), request.seq(), String.valueOf(f.cause()));
            }
        });
    }

    private void onPush(Packet push) {
        RequestUri uri;
        try {
            uri = RequestUri.parse(push.uri());
        } catch (IllegalArgumentException e) {
            log.warn("{}", Rerror.of(Rerror.CODE_BAD_PACKET, "Bad Packet" + e.getMessage()).toJson());
            return;
        }
        Route route = session.peer.pushRouter.lookup(uri.path());
        if (route == null) {
            route = session.peer.pushRouter.unknown();
            if (route == null) {
                log.warn("{} push {} from {}", NOT_FOUND.toJson(), push.uri(), session.id());
                return;
            }
        }
        InboundContext ctx = new InboundContext(session, push, uri, route);
        try {
            session.peer.executor.execute(() -> handlePush(ctx));
        } catch (RejectedExecutionException e) {
            log.warn("handler executor refused push {} from {}: {}", push.uri(), session.id(), e.toString());
        }
    }

    private void handlePush(InboundContext ctx) {
        try {
            Object body = ctx.route.isRaw() ? null
                    : session.peer.codecs.decode(ctx.request.bodyCodec(), ctx.request.bodyBytes(), ctx.route.bodyType());
            Object result = ctx.route.invoke(body, ctx);
            if (result instanceof CompletionStage) {
                ((CompletionStage<?>) result).whenComplete((v, error) -> {
                    if (error != null) {
                        logPushError(ctx, unwrap(error));
                    }
                });
            }
        } catch (Throwable t) {
            logPushError(ctx, t);
        }
    }

    private void logPushError(InboundContext ctx, Throwable t) {
        if (t instanceof RerrorException) {
            log.warn("{} push {} from {}", ((RerrorException) t).rerror().toJson(), ctx.request.uri(), session.id());
        } else if (t instanceof CodecException) {
            log.warn("{} push {} from {}", new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet", t.getMessage()).toJson(),
                    ctx.request.uri(), session.id());
        } else {
            log.warn("push handler {} failed on {} from {}", ctx.route.handlerName(), ctx.request.uri(), session.id(), t);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof IOException) {
            log.debug("disconnect({}) when reading: {}", session.id(), c.toString());
        } else if (c instanceof ProtoException || c instanceof RuntimeException) {
            log.warn("disconnect({}) when reading: {}", session.id(), c.getMessage());
        } else {
            log.warn("disconnect({}) after an unexpected error", session.id(), c);
        }
        ctx.close();
    }
}
