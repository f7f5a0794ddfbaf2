package io.teleport.spring.handler;

import io.teleport.router.MessageContext;
import io.teleport.router.binding.HandlerArgumentResolver;
import io.teleport.router.binding.HandlerParameter;
import io.teleport.session.CallOption;
import io.teleport.spring.exchange.ExchangeRoutes;
import org.jspecify.annotations.Nullable;

/**
 * Gives the {@code CallOption} parameters of a {@link io.teleport.spring.exchange.TeleportExchange}
 * method nothing on the serving side: they set up the client's call and never reach the wire, so a
 * controller implementing the interface gets none ({@code null}, or no options for an array) rather
 * than failing start-up with a second body parameter.
 */
final class ExchangeOptionsArgument implements HandlerArgumentResolver<MessageContext> {

    private static final CallOption[] NONE = new CallOption[0];

    @Override
    public boolean supports(HandlerParameter parameter) {
        return (parameter.type() == CallOption[].class || parameter.type() == CallOption.class)
                && ExchangeRoutes.isExchange(parameter.method().getDeclaringClass());
    }

    @Override
    public @Nullable Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
        return parameter.type() == CallOption[].class ? NONE : null;
    }
}
