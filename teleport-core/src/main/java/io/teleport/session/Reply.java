package io.teleport.session;

import io.teleport.message.Meta;
import org.jspecify.annotations.Nullable;

/**
 * A successful pull's reply.
 *
 * @param body the decoded body, {@code null} when the reply had none
 * @param meta the reply metadata
 * @param bodyCodec the id byte of the reply body's codec
 * @param <T> the body type
 */
public record Reply<T>(@Nullable T body, Meta meta, byte bodyCodec) {
}
