package io.teleport.router;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;

/** Access to a body that was not decoded, as unknown handlers receive it. */
public interface RawBody {

    /**
     * The body bytes as received; empty, never {@code null}. Read them, do not write to them: a
     * decoded body may share them.
     */
    byte[] bodyBytes();

    /**
     * Decodes the body with the request's codec. An empty body gives the codec's empty value
     * ({@code null} for most types).
     *
     * @throws io.teleport.codec.CodecException when the bytes do not fit the type
     */
    @Nullable Object bind(Type type);

    /** Typed form of {@link #bind(Type)}. */
    @SuppressWarnings("unchecked")
    default <T> @Nullable T bind(Class<T> type) {
        return (T) bind((Type) type);
    }
}
