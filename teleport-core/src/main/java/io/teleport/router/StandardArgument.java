package io.teleport.router;

import io.teleport.router.binding.HandlerArgumentResolver;
import io.teleport.router.binding.HandlerParameter;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.util.Optional;

/**
 * The parameters every Teleport handler may take, in the order they are asked: its context, its
 * session, {@link QueryValue} and {@link MetaValue} strings, and last the body, which is any
 * parameter none of these (nor an integration's resolvers, asked first) takes.
 */
enum StandardArgument implements HandlerArgumentResolver<MessageContext> {

    /** The handler's context, as any interface the routes' contexts implement. */
    CONTEXT {
        @Override
        public boolean supports(HandlerParameter parameter) {
            return MessageContext.class.isAssignableFrom(parameter.type())
                    && parameter.type().isAssignableFrom(parameter.contextType());
        }

        @Override
        public Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
            return ctx;
        }
    },

    /** The session the message came from. */
    SESSION {
        @Override
        public boolean supports(HandlerParameter parameter) {
            return parameter.type() == Session.class;
        }

        @Override
        public Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
            return ctx.session();
        }
    },

    /** The first value of a query parameter or a metadata key, as sent. */
    NAMED_VALUE {
        @Override
        public boolean supports(HandlerParameter parameter) {
            return parameter.type() == String.class && NamedValues.isNamed(parameter);
        }

        @Override
        public @Nullable Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
            return NamedValues.text(parameter, ctx);
        }
    },

    /**
     * The decoded body. Never a parameter of a kind the others give but could not here (a push
     * context in a pull handler, an {@code int} {@link QueryValue} without conversion): that is an
     * error at start-up, not a second body.
     */
    BODY {
        @Override
        public boolean supports(HandlerParameter parameter) {
            return !MessageContext.class.isAssignableFrom(parameter.type()) && parameter.type() != Session.class
                    && !NamedValues.isNamed(parameter);
        }

        @Override
        public @Nullable Object resolve(HandlerParameter parameter, @Nullable Object body, MessageContext ctx) {
            // An Optional parameter says "may be absent": no body is empty, never null.
            return body == null && parameter.type() == Optional.class ? Optional.empty() : body;
        }

        @Override
        public boolean readsBody() {
            return true;
        }
    }
}
