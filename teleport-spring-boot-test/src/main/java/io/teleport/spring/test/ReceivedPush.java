package io.teleport.spring.test;

import io.teleport.codec.Codecs;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;

/**
 * A push the {@link TeleportTestClient} received: its URI and its body as sent, decoded only when the
 * test asks for a type, so that a push of any route can be recorded before the test says what it
 * expects.
 */
public final class ReceivedPush {

    private final String uri;
    private final String path;
    private final byte[] body;
    private final byte codec;
    private final Codecs codecs;

    ReceivedPush(String uri, String path, byte[] body, byte codec, Codecs codecs) {
        this.uri = uri;
        this.path = path;
        this.body = body.clone();
        this.codec = codec;
        this.codecs = codecs;
    }

    /** The URI as pushed, query included. */
    public String uri() {
        return uri;
    }

    /** The path of the URI, without the query. */
    public String path() {
        return path;
    }

    /** The body decoded into {@code type} with the codec it was sent with. */
    @SuppressWarnings("unchecked")
    public <T> @Nullable T body(Class<T> type) {
        return (T) body((Type) type);
    }

    /** The body decoded into a generic {@code type}, such as a {@code List<Item>}. */
    public @Nullable Object body(Type type) {
        return codecs.decode(codec, body, type);
    }

    /** The body's bytes as received. */
    public byte[] bodyBytes() {
        return body.clone();
    }

    @Override
    public String toString() {
        return "push " + uri;
    }
}
