package io.teleport.internal.session;

import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.router.QueryString;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPushContext;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An inbound pull or push as its handler and the plugins see it: every context interface over one
 * object, so a message costs one allocation. {@link InboundContext} fills it in as the message moves
 * from routing to reply.
 */
abstract class InboundView implements UnknownPullContext, UnknownPushContext, ReadContext, WriteContext {

    final DefaultSession session;
    final Packet request;

    /** The one object is a pull's context and a push's: the request says which it is. */
    @Override
    public abstract boolean isPull();
    final long startNanos = System.nanoTime();
    /** The rest, filled in as the message moves on: null until then. */
    @Nullable RequestUri requestUri;
    @Nullable Route route;
    @Nullable Object body;
    @Nullable Map<String, List<String>> query;
    @Nullable Meta replyMeta;
    byte replyBodyCodec;
    byte @Nullable [] extraXfer;
    @Nullable Packet reply;
    @Nullable Throwable handlerFailure;

    InboundView(DefaultSession session, Packet request) {
        this.session = session;
        this.request = request;
    }

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
            String raw = rawQuery();
            // Parsed, a pair costs about 40 times its bytes in the URI: bounded as metadata pairs are.
            int most = session.peer.limits.maxMetaPairs();
            if (QueryString.countPairs(raw) > most) {
                throw new RerrorException(new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet",
                        "the query has more than " + most + " pairs (limits.max-meta-pairs)"));
            }
            query = QueryString.parse(raw);
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
    public InboundView replyBodyCodec(byte codecId) {
        this.replyBodyCodec = codecId;
        return this;
    }

    @Override
    public byte replyBodyCodec() {
        return replyBodyCodec;
    }

    @Override
    public InboundView addReplyXfer(byte... filterIds) {
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
    public @Nullable Object bind(Type type) {
        return LargeBodyDecodes.decode(session.peer, request.bodyCodec(), request.bodyBytes(), type);
    }

    @Override
    public Packet input() {
        return request;
    }

    /**
     * The reply, in the reply hooks, which see this as a {@link WriteContext}: {@link InboundContext#reply}
     * builds it before they run. Before, in the read hooks, null, as {@link ReadContext#output()} allows;
     * one object cannot declare both, so the declaration is the write side's.
     */
    @Override
    public Packet output() {
        return reply;
    }

    @Override
    public @Nullable Route route() {
        return route;
    }

    @Override
    public @Nullable Object body() {
        return body;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public @Nullable Throwable handlerFailure() {
        return handlerFailure;
    }
}
