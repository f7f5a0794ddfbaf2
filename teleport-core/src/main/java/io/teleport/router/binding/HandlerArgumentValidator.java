package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Method;
import java.util.List;

/**
 * Checks a handler's arguments once they are resolved and just before its method runs. This is where
 * method constraints belong (Bean Validation's {@code @Valid} body, {@code @Min} on a query value,
 * {@code List<@Valid Item>}): no plugin sees every argument, and a resolver sees only its own. An
 * integration implements it (the Spring module, with the application's {@code Validator}), so that
 * core needs no validation library. Like a resolver it decides at start-up, per method, whether there
 * is anything to check, so that a handler without constraints pays nothing per call.
 */
public interface HandlerArgumentValidator {

    /**
     * The check of one handler's arguments, asked once when the handler is bound; {@code null} when
     * it has nothing to check.
     *
     * @param controller the object the method is called on, maybe a proxy
     * @param method the handler method
     * @param parameters its parameters, in order
     * @param body the parameter that takes the message body, or {@code null}
     */
    @Nullable Check prepare(Object controller, Method method, List<HandlerParameter> parameters,
            @Nullable HandlerParameter body);

    /** The check of one handler, run at every call. */
    @FunctionalInterface
    interface Check {

        /**
         * Checks one call's arguments as the method will get them (the zero of a primitive nothing
         * was bound to); it must not change them.
         *
         * @throws Exception fails the call as the handler failing would (a
         *         {@link io.teleport.message.RerrorException} is the reply)
         */
        void check(@Nullable Object[] arguments) throws Exception;
    }
}
