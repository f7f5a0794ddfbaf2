package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

/**
 * Where the value of one kind of handler parameter comes from. {@link HandlerBinder} asks its
 * resolvers in order, once per parameter at start-up, so a resolver listed first takes a parameter
 * before the ones after it; the one that supports it is then asked for the value at each call.
 *
 * <p>The engine knows nothing of messages: {@code C} is what a handler is called with beside the
 * body (for routes, {@link io.teleport.router.MessageContext}), so that the resolvers of the
 * Teleport parameters live with the router and an integration such as the Spring module adds its
 * own in front of them.
 *
 * @param <C> the context a handler is called with
 */
public interface HandlerArgumentResolver<C> {

    /**
     * Whether this resolver gives the value of {@code parameter}. Called at start-up only; a
     * resolver may prepare what it needs for the parameter here, since the same descriptor comes
     * back to {@link #resolve} at every call.
     */
    boolean supports(HandlerParameter parameter);

    /**
     * The argument for {@code parameter} in one call. {@code null} for a primitive parameter is
     * passed as the primitive's zero, as the codecs read an absent body.
     *
     * @param body the decoded body of the message, whether or not this parameter takes it; {@code null}
     *        when it had none
     * @throws Exception fails the call as the handler failing would (a
     *         {@link io.teleport.message.RerrorException} is the reply)
     */
    @Nullable Object resolve(HandlerParameter parameter, @Nullable Object body, C ctx) throws Exception;

    /**
     * Whether the parameters this resolver supports take the message body: a handler may have one,
     * and the message body is decoded into its type.
     */
    default boolean readsBody() {
        return false;
    }
}
