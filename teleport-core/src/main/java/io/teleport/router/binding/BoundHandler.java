package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Type;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.List;

/**
 * A handler method bound by {@link HandlerBinder}: the type to decode its body into, and the call.
 *
 * @param <C> the context a handler is called with
 */
public final class BoundHandler<C> {

    private final String description;
    private final Type bodyType;
    private final HandlerParameter[] parameters;
    private final List<HandlerArgumentResolver<? super C>> resolvers;
    private final @Nullable Object[] zeros;
    private final HandlerArgumentValidator.@Nullable Check check;
    private final MethodHandle invoker;

    BoundHandler(String description, Type bodyType, HandlerParameter[] parameters,
            List<HandlerArgumentResolver<? super C>> resolvers, HandlerArgumentValidator.@Nullable Check check,
            MethodHandle invoker) {
        this.description = description;
        this.bodyType = bodyType;
        this.parameters = parameters;
        this.resolvers = List.copyOf(resolvers);
        this.check = check;
        this.invoker = invoker;
        this.zeros = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            Class<?> type = parameters[i].type();
            zeros[i] = type.isPrimitive() ? Array.get(Array.newInstance(type, 1), 0) : null;
        }
    }

    /** The handler as {@code Class.method(ParamTypes)}. */
    public String description() {
        return description;
    }

    /**
     * The type the body is decoded into, generic variables resolved; {@code Void.class} when no
     * parameter takes it.
     */
    public Type bodyType() {
        return bodyType;
    }

    /**
     * Calls the handler: each argument from its resolver ({@code null} for a primitive becomes its
     * zero, as Go leaves a variable nothing was decoded into), the arguments' check if the binder had
     * a validator, then the method. What the check or the method throws is thrown as is.
     *
     * @return what the method returned, boxed; {@code null} for {@code void}
     */
    public @Nullable Object invoke(@Nullable Object body, C ctx) throws Exception {
        @Nullable Object[] args = new Object[parameters.length];
        for (int i = 0; i < args.length; i++) {
            Object arg = resolvers.get(i).resolve(parameters[i], body, ctx);
            args[i] = arg != null ? arg : zeros[i];
        }
        if (check != null) {
            check.check(args);
        }
        try {
            return (Object) invoker.invokeExact(args);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new UndeclaredThrowableException(t);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
