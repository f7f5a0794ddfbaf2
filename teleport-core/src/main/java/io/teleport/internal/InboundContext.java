package io.teleport.internal;

import io.teleport.Rerror;
import io.teleport.RerrorException;
import io.teleport.codec.CodecException;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.plugin.PluginChain;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.router.QueryString;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import io.teleport.router.Router;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPushContext;
import io.teleport.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One inbound pull or push, handled from its header to its reply: the hooks in Teleport's order,
 * routing, body decoding, the handler, and the reply. It is also every context the handler and the
 * plugins see.
 */
final class InboundContext implements UnknownPullContext, UnknownPushContext, ReadContext, WriteContext,
        HandlerPool.Queued {

    private static final Logger log = LoggerFactory.getLogger(InboundContext.class);
    private static final Rerror NOT_FOUND = Rerror.of(Rerror.CODE_NOT_FOUND, "Not Found");

    final DefaultSession session;
    final Packet request;
    /** The URI as sent: replies echo it even when a header hook rewrote the request's for routing. */
    private final String sentUri;
    private final long startNanos = System.nanoTime();
    private RequestUri requestUri;
    private Route route;
    private Object body;
    private Map<String, List<String>> query;
    private Meta replyMeta;
    private byte replyBodyCodec;
    private byte[] extraXfer;
    private Packet reply;

    InboundContext(DefaultSession session, Packet request) {
        this.session = session;
        this.request = request;
        this.sentUri = request.uri();
    }

    /** Handles the pull or push; runs on the handler executor. */
    @Override
    public void run() {
        if (request.type() == PacketType.PULL) {
            runPull();
        } else {
            runPush();
        }
    }

    @Override
    public long queuedNanos() {
        return startNanos;
    }

    // ---------------------------------------------------------------- pull

    /** Handles a PULL to its reply. Runs on the handler executor. */
    void runPull() {
        try {
            handlePull();
        } catch (Throwable t) {
            // A failure outside the handler (a codec or plugin bug) must still answer the puller.
            log.warn("pull {} from {} failed before its handler ran", request.uri(), session.id(), t);
            reply(null, new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", t.toString()));
        }
    }

    private void handlePull() {
        PluginChain peerPlugins = session.peer.plugins;
        Rerror rerror = peerPlugins.postReadPullHeader(this);
        if (rerror != null) {
            reply(null, rerror);
            return;
        }
        rerror = resolve(session.peer.pullRouter);
        if (rerror != null) {
            reply(null, rerror);
            return;
        }
        rerror = scoped(ScopedHook.PRE_READ_PULL_BODY);
        if (rerror == null) {
            rerror = decodeBody();
        }
        if (rerror == null) {
            rerror = scoped(ScopedHook.POST_READ_PULL_BODY);
        }
        if (rerror != null) {
            reply(null, rerror);
            return;
        }
        Object result;
        try {
            result = route.invoke(body, this);
        } catch (Throwable t) {
            reply(null, handlerError(t));
            return;
        }
        if (result instanceof CompletionStage) {
            ((CompletionStage<?>) result).whenComplete((value, error) -> {
                if (error != null) {
                    reply(null, handlerError(unwrap(error)));
                } else {
                    reply(value, null);
                }
            });
        } else {
            reply(result, null);
        }
    }

    /** Parses the (possibly rewritten) URI and finds the route; returns 400 or 404 when it cannot. */
    private Rerror resolve(Router<?> router) {
        try {
            requestUri = RequestUri.parse(request.uri());
        } catch (IllegalArgumentException e) {
            // Teleport splices the cause into the message rather than the detail: keep its wire form.
            return Rerror.of(Rerror.CODE_BAD_PACKET, "Bad Packet" + e.getMessage());
        }
        route = router.lookup(requestUri.path());
        if (route == null) {
            route = router.unknown();
        }
        return route == null ? NOT_FOUND : null;
    }

    private Rerror decodeBody() {
        if (route.isRaw()) {
            return null;
        }
        try {
            body = session.peer.codecs.decode(request.bodyCodec(), request.bodyBytes(), route.bodyType());
            return null;
        } catch (CodecException e) {
            return new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet", e.getMessage());
        }
    }

    /**
     * Writes the reply: the handler's value, or an error with codec 0 and no body. A
     * {@code PreWriteReply} error replaces the reply, so the puller learns of it.
     */
    void reply(Object value, Rerror rerror) {
        reply = new Packet(PacketType.REPLY).seq(request.seq()).uri(sentUri);
        reply.xferPipe(request.xferPipe());
        if (extraXfer != null) {
            reply.appendXfer(extraXfer);
        }
        if (replyMeta != null) {
            reply.meta(replyMeta);
        }
        if (rerror == null) {
            rerror = scoped(ScopedHook.PRE_WRITE_REPLY);
        }
        if (rerror != null) {
            rerror.writeTo(reply.meta());
            reply.bodyCodec(Packet.NO_CODEC).body(null);
        } else if (value != null) {
            byte codec = replyBodyCodec;
            if (codec == Packet.NO_CODEC) {
                codec = request.bodyCodec() != Packet.NO_CODEC ? request.bodyCodec() : session.peer.defaultCodecId;
            }
            reply.bodyCodec(codec).body(value);
        } else {
            // No body: codec 0 unless the handler chose one, as Teleport writes it.
            reply.bodyCodec(replyBodyCodec);
        }
        boolean isError = rerror != null;
        session.writeReply(reply, f -> {
            if (!f.isSuccess() && !isError && f.channel().isActive()) {
                // The reply could not be built (marshalling, size limit): answer with the reason
                // rather than leave the puller waiting. Its hooks are user code: off the I/O thread.
                Rerror failed = PendingPull.writeFailed(f.cause());
                log.warn("reply to {} (seq {}) could not be written: {}", request.uri(), request.seq(), failed.detail());
                session.peer.offIoThread(true, () -> reply(null,
                        new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", "reply: " + failed.detail())));
                return;
            }
            if (!f.isSuccess()) {
                log.debug("reply to {} (seq {}) not written: {}", request.uri(), request.seq(), String.valueOf(f.cause()));
            }
            session.peer.messageLog.pullHandle(session.remoteAddress(), request, reply, startNanos);
            boolean hooks = session.peer.plugins.postWriteReplyBlocks()
                    || (route != null && route.plugins().postWriteReplyBlocks());
            session.peer.offIoThread(hooks, () -> {
                try {
                    DefaultSession.logHookError(scoped(ScopedHook.POST_WRITE_REPLY), "PostWriteReply");
                } finally {
                    session.handlerFinished();
                }
            });
        });
    }

    // ---------------------------------------------------------------- push

    /** Handles a PUSH. Runs on the handler executor. */
    void runPush() {
        try {
            Rerror rerror = session.peer.plugins.postReadPushHeader(this);
            if (rerror == null) {
                rerror = resolve(session.peer.pushRouter);
            }
            if (rerror == null) {
                rerror = scoped(ScopedHook.PRE_READ_PUSH_BODY);
            }
            if (rerror == null) {
                rerror = decodeBody();
            }
            if (rerror != null) {
                log.warn("{} push {} from {}", rerror.toJson(), request.uri(), session.id());
                return;
            }
            if (scoped(ScopedHook.POST_READ_PUSH_BODY) != null) {
                return;
            }
            Object result = route.invoke(body, this);
            if (result instanceof CompletionStage) {
                ((CompletionStage<?>) result).whenComplete((v, error) -> {
                    if (error != null) {
                        logPushError(unwrap(error));
                    }
                });
            }
        } catch (Throwable t) {
            logPushError(t);
        } finally {
            session.peer.messageLog.pushHandle(session.remoteAddress(), request, startNanos);
            session.handlerFinished();
        }
    }

    private void logPushError(Throwable t) {
        if (t instanceof RerrorException) {
            log.warn("{} push {} from {}", ((RerrorException) t).rerror().toJson(), request.uri(), session.id());
        } else if (t instanceof InterruptedException && session.peer.closing) {
            // Abandoned by a shutdown past its timeout, which says so once for all.
            log.debug("push handler {} interrupted by the shutdown on {}", route.handlerName(), request.uri());
        } else {
            log.warn("push handler {} failed on {} from {}", route.handlerName(), request.uri(), session.id(), t);
        }
    }

    // ---------------------------------------------------------------- shared

    private enum ScopedHook { PRE_READ_PULL_BODY, POST_READ_PULL_BODY, PRE_WRITE_REPLY, POST_WRITE_REPLY,
        PRE_READ_PUSH_BODY, POST_READ_PUSH_BODY }

    /** Runs a handler-scoped hook: the peer's plugins, then the route's (its groups', then its own). */
    private Rerror scoped(ScopedHook hook) {
        Rerror rerror = run(session.peer.plugins, hook);
        if (rerror == null && route != null && !route.plugins().isEmpty()) {
            rerror = run(route.plugins(), hook);
        }
        return rerror;
    }

    private Rerror run(PluginChain chain, ScopedHook hook) {
        switch (hook) {
            case PRE_READ_PULL_BODY:
                return chain.preReadPullBody(this);
            case POST_READ_PULL_BODY:
                return chain.postReadPullBody(this);
            case PRE_WRITE_REPLY:
                return chain.preWriteReply(this);
            case POST_WRITE_REPLY:
                return chain.postWriteReply(this);
            case PRE_READ_PUSH_BODY:
                return chain.preReadPushBody(this);
            default:
                return chain.postReadPushBody(this);
        }
    }

    private Rerror handlerError(Throwable t) {
        if (t instanceof RerrorException) {
            return ((RerrorException) t).rerror();
        }
        if (t instanceof InterruptedException && session.peer.closing) {
            // Abandoned by a shutdown past its timeout, which says so once for all.
            log.debug("handler {} interrupted by the shutdown on {}", route.handlerName(), request.uri());
        } else {
            log.warn("handler {} failed on {} from {}", route.handlerName(), request.uri(), session.id(), t);
        }
        return new Rerror(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error", t.toString());
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    // ---------------------------------------------------------------- contexts

    @Override
    public Session session() {
        return session;
    }

    @Override
    public long seq() {
        return request.seq();
    }

    @Override
    public String uri() {
        return request.uri();
    }

    @Override
    public String path() {
        return requestUri == null ? RequestUri.parse(request.uri()).path() : requestUri.path();
    }

    @Override
    public String rawQuery() {
        return requestUri == null ? RequestUri.parse(request.uri()).rawQuery() : requestUri.rawQuery();
    }

    @Override
    public Map<String, List<String>> query() {
        if (query == null) {
            query = QueryString.parse(rawQuery());
        }
        return query;
    }

    @Override
    public Meta meta() {
        return request.meta();
    }

    @Override
    public byte bodyCodec() {
        return request.bodyCodec();
    }

    @Override
    public Meta replyMeta() {
        if (replyMeta == null) {
            replyMeta = new Meta();
        }
        return replyMeta;
    }

    @Override
    public InboundContext replyBodyCodec(byte codecId) {
        this.replyBodyCodec = codecId;
        return this;
    }

    @Override
    public byte replyBodyCodec() {
        return replyBodyCodec;
    }

    @Override
    public InboundContext addReplyXfer(byte... filterIds) {
        for (byte id : filterIds) {
            // Unknown ids are dropped rather than failing the reply, as Teleport does.
            if (session.peer.xferFilters.get(id) != null) {
                extraXfer = extraXfer == null ? new byte[] {id} : append(extraXfer, id);
            }
        }
        return this;
    }

    private static byte[] append(byte[] ids, byte id) {
        byte[] next = Arrays.copyOf(ids, ids.length + 1);
        next[ids.length] = id;
        return next;
    }

    @Override
    public byte[] bodyBytes() {
        return request.bodyBytes();
    }

    @Override
    public Object bind(Type type) {
        return session.peer.codecs.decode(request.bodyCodec(), request.bodyBytes(), type);
    }

    @Override
    public Packet input() {
        return request;
    }

    @Override
    public Packet output() {
        return reply;
    }

    @Override
    public Route route() {
        return route;
    }

    @Override
    public Object body() {
        return body;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }
}
