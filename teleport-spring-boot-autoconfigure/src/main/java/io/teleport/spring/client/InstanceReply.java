package io.teleport.spring.client;

import io.teleport.session.Reply;
import org.jspecify.annotations.Nullable;

/**
 * What one instance answered to a {@link SessionTemplate#pullEach pull sent to every instance}: its
 * reply, or why there is none.
 *
 * @param instance the instance
 * @param reply the reply, or {@code null} when the pull failed
 * @param error why the pull failed (usually a {@code RerrorException}), or {@code null}
 * @param <T> the reply body's type
 */
public record InstanceReply<T>(TeleportInstance instance, @Nullable Reply<T> reply, @Nullable Throwable error) {

    /** Whether the instance replied without an error. */
    public boolean isSuccess() {
        return error == null;
    }
}
