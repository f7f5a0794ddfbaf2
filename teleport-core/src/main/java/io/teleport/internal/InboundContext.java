package io.teleport.internal;

import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.router.RequestUri;
import io.teleport.router.Route;
import io.teleport.router.UnknownPullContext;
import io.teleport.router.UnknownPushContext;
import io.teleport.session.Session;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The context of one inbound pull or push: what the handler sees, and the reply it builds. One
 * object serves every context interface, as in Teleport.
 */
final class InboundContext implements UnknownPullContext, UnknownPushContext {

    final DefaultSession session;
    final Packet request;
    final RequestUri requestUri;
    final Route route;
    private Map<String, List<String>> query;
    private Meta replyMeta;
    private byte replyBodyCodec;
    private byte[] extraXfer;

    InboundContext(DefaultSession session, Packet request, RequestUri requestUri, Route route) {
        this.session = session;
        this.request = request;
        this.requestUri = requestUri;
        this.route = route;
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
        return requestUri.path();
    }

    @Override
    public String rawQuery() {
        return requestUri.rawQuery();
    }

    @Override
    public Map<String, List<String>> query() {
        if (query == null) {
            Map<String, List<String>> parsed = new LinkedHashMap<>();
            if (!requestUri.rawQuery().isEmpty()) {
                // Go's ParseQuery also splits on ';'.
                Meta pairs = Meta.parse(requestUri.rawQuery().replace(';', '&'));
                pairs.forEach((k, v) -> parsed.computeIfAbsent(k, key -> new ArrayList<>(1)).add(v));
            }
            query = Collections.unmodifiableMap(parsed);
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

    Meta replyMetaOrNull() {
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
            if (session.peer.xferFilters.get(id) == null) {
                continue;
            }
            byte[] next = extraXfer == null ? new byte[1] : java.util.Arrays.copyOf(extraXfer, extraXfer.length + 1);
            next[next.length - 1] = id;
            extraXfer = next;
        }
        return this;
    }

    byte[] extraXfer() {
        return extraXfer;
    }

    @Override
    public byte[] bodyBytes() {
        return request.bodyBytes();
    }

    @Override
    public Object bind(Type type) {
        return session.peer.codecs.decode(request.bodyCodec(), request.bodyBytes(), type);
    }
}
