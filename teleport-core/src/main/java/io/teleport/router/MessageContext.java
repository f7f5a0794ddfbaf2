package io.teleport.router;

import io.teleport.message.Meta;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What a handler knows about the message it is handling. Valid only while the handler runs.
 */
public interface MessageContext {

    /** The session the message came from; pull or push it back through this. */
    Session session();

    /**
     * Whether the message is a pull, whose handler's answer (or error) goes back to the caller, rather
     * than a push. One object may show itself as both context types, so this, not {@code instanceof},
     * says which message it is; by default, whether this is a {@link PullContext}.
     */
    default boolean isPull() {
        return this instanceof PullContext;
    }

    /** The sender's sequence number of the message. */
    long seq();

    /** The full URI as sent, query included. */
    String uri();

    /** The decoded path the message was routed by. */
    String path();

    /** The query as sent, without {@code ?}; empty when there is none. */
    String rawQuery();

    /**
     * The decoded query parameters, read as {@link QueryString#parse} reads them: in order; repeated
     * keys keep every value.
     *
     * @throws io.teleport.message.RerrorException {@code 400} for a query of more pairs than
     *     {@code Limits.maxMetaPairs()}, which is not parsed; thrown on from a handler, it is the pull's reply
     */
    Map<String, List<String>> query();

    /**
     * The first value of a query parameter, or {@code null}.
     *
     * @throws io.teleport.message.RerrorException as {@link #query()}
     */
    default @Nullable String queryValue(String name) {
        List<String> values = query().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The request metadata. */
    Meta meta();

    /** The id byte of the request body's codec. */
    byte bodyCodec();

    /** The remote address of the session. */
    default SocketAddress remoteAddress() {
        return session().remoteAddress();
    }
}
