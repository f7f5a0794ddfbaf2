package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.annotation.Annotation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Binds a controller method to the resolvers of its parameters, once at start-up, so that a call
 * only gathers the arguments and invokes a method handle. Everything that can be wrong with a
 * handler's signature fails here, with an {@link IllegalArgumentException} naming the method as
 * {@code Class.method(ParamTypes)}, rather than at its first call.
 *
 * @param <C> the context a handler is called with
 */
public final class HandlerBinder<C> {

    private final List<HandlerArgumentResolver<? super C>> resolvers;
    private final @Nullable HandlerArgumentValidator validator;

    /** A binder asking these resolvers in this order; the first that supports a parameter gives it. */
    public HandlerBinder(List<? extends HandlerArgumentResolver<? super C>> resolvers) {
        this(resolvers, null);
    }

    /**
     * A binder asking these resolvers in this order, whose handlers have their arguments checked by
     * {@code validator} before they run; none when {@code null}.
     */
    public HandlerBinder(List<? extends HandlerArgumentResolver<? super C>> resolvers,
            @Nullable HandlerArgumentValidator validator) {
        this.resolvers = List.copyOf(resolvers);
        this.validator = validator;
    }

    /**
     * Binds {@code method} of {@code controller}.
     *
     * @param controllerClass the class the user wrote, behind any generated proxy; generic parameter
     *        types are resolved against it
     * @param contextType the class of the contexts the handler will be called with
     * @throws IllegalArgumentException when no resolver supports a parameter, more than one
     *         parameter takes the body, the body's type has a type variable the controller class
     *         does not bind, or the method cannot be invoked
     */
    public BoundHandler<C> bind(Object controller, Class<?> controllerClass, Method method,
            Class<? extends C> contextType) {
        String handler = describe(controllerClass, method);
        int count = method.getParameterCount();
        HandlerParameter[] parameters = new HandlerParameter[count];
        List<HandlerArgumentResolver<? super C>> chosen = new ArrayList<>(count);
        HandlerParameter body = null;
        Annotation[][] annotations = ParameterAnnotations.of(method, controllerClass);
        for (int i = 0; i < count; i++) {
            parameters[i] = new HandlerParameter(method, i, annotations[i], controllerClass, contextType, handler);
            chosen.add(resolverOf(parameters[i]));
            if (!chosen.get(i).readsBody()) {
                continue;
            }
            if (body != null) {
                throw new IllegalArgumentException(handler + ": more than one body parameter, " + body + " and "
                        + parameters[i] + " (a handler takes one body, plus the parameters its resolvers give: "
                        + "the context, the session, query and metadata values; a parameter of another type is "
                        + "taken for the body)");
            }
            if (!parameters[i].typeResolved()) {
                throw new IllegalArgumentException(handler + ": the body type of " + parameters[i] + " has a type "
                        + "variable that " + controllerClass.getName() + " does not bind; register a subclass "
                        + "that names it, such as class Users extends Crud<User>");
            }
            body = parameters[i];
        }
        HandlerArgumentValidator.Check check = validator == null ? null
                : validator.prepare(controller, method, List.of(parameters), body);
        return new BoundHandler<>(handler, body == null ? Void.class : body.genericType(), parameters, chosen,
                check, invoker(controller, method, handler));
    }

    private HandlerArgumentResolver<? super C> resolverOf(HandlerParameter parameter) {
        for (HandlerArgumentResolver<? super C> resolver : resolvers) {
            if (resolver.supports(parameter)) {
                return resolver;
            }
        }
        // Unannotated and refused by the body's resolver: most often the other kind of message's context.
        StringJoiner contexts = new StringJoiner(", ", " (the context types it can take: ", ")");
        contexts.add(parameter.contextType().getSimpleName());
        for (Class<?> wider : parameter.contextType().getInterfaces()) {
            contexts.add(wider.getSimpleName());
        }
        throw new IllegalArgumentException(parameter.handler() + ": no argument resolver supports " + parameter
                + (parameter.annotations().length > 0 ? "" : contexts.toString()));
    }

    /**
     * The method as a handle taking its arguments in an {@code Object[]} and returning an
     * {@code Object}: primitives are unboxed on the way in and boxed on the way out, and a
     * {@code void} method returns {@code null}.
     */
    private static MethodHandle invoker(Object controller, Method method, String handler) {
        MethodHandle handle;
        try {
            // Controllers are often classes the core cannot see (package-private, nested in tests).
            method.trySetAccessible();
            handle = MethodHandles.lookup().unreflect(method);
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException(handler + ": cannot be invoked: " + e.getMessage(), e);
        }
        if (!Modifier.isStatic(method.getModifiers())) {
            if (!method.getDeclaringClass().isInstance(controller)) {
                throw new IllegalArgumentException(handler + ": " + controller.getClass().getName()
                        + " is not a " + method.getDeclaringClass().getName());
            }
            handle = handle.bindTo(controller);
        }
        return handle.asType(handle.type().generic()).asSpreader(Object[].class, method.getParameterCount());
    }

    /** {@code Class.method(ParamTypes)}, with the controller's class. */
    static String describe(Class<?> controllerClass, Method method) {
        StringJoiner parameters = new StringJoiner(", ", "(", ")");
        for (java.lang.reflect.Type type : method.getGenericParameterTypes()) {
            parameters.add(GenericTypes.simpleName(type));
        }
        return controllerClass.getSimpleName() + "." + method.getName() + parameters;
    }
}
