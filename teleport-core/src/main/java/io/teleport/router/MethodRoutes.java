package io.teleport.router;

import io.teleport.router.binding.BoundHandler;
import io.teleport.router.binding.HandlerArgumentResolver;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.router.binding.HandlerBinder;
import org.jspecify.annotations.Nullable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

/**
 * Turns one controller method into a {@link Route}: the one handler-binding engine of Teleport, used
 * by {@link Router#register} and by integrations that find controllers their own way (the Spring
 * module), which add their resolvers in front of the standard ones.
 */
public final class MethodRoutes {

    private static final Logger log = LoggerFactory.getLogger(MethodRoutes.class);

    private static final MethodRoutes STANDARD = new MethodRoutes(List.of(), null);

    /** The integration's resolvers, asked before the standard ones. */
    private final List<HandlerArgumentResolver<? super MessageContext>> first;
    private final HandlerBinder<MessageContext> binder;

    private MethodRoutes(List<? extends HandlerArgumentResolver<? super MessageContext>> first,
            @Nullable HandlerArgumentValidator validator) {
        this.first = List.copyOf(first);
        List<HandlerArgumentResolver<? super MessageContext>> resolvers = new ArrayList<>(first);
        resolvers.addAll(List.of(StandardArgument.values()));
        this.binder = new HandlerBinder<>(resolvers, validator);
    }

    /** The standard parameters only: the context, the session, the body, String query and metadata values. */
    public static MethodRoutes standard() {
        return STANDARD;
    }

    /** The standard parameters, after these resolvers, which are asked first. */
    public static MethodRoutes withResolvers(List<? extends HandlerArgumentResolver<? super MessageContext>> first) {
        return new MethodRoutes(first, null);
    }

    /**
     * The same parameters, with every handler's arguments checked by {@code validator} just before it
     * runs (see {@link HandlerArgumentValidator}).
     */
    public MethodRoutes withValidator(HandlerArgumentValidator validator) {
        return new MethodRoutes(first, Objects.requireNonNull(validator, "validator"));
    }

    /**
     * The route at {@code path} calling {@code method} of {@code controller}.
     *
     * @param controllerClass the class the user wrote, behind any generated proxy; generic
     *        parameter types are resolved against it
     * @param contextType the class of the contexts of the router the route joins
     * @throws IllegalArgumentException for a method that cannot be a handler, naming it
     */
    public Route route(Object controller, Class<?> controllerClass, Method method, String path,
            Class<? extends MessageContext> contextType) {
        BoundHandler<MessageContext> handler = binder.bind(controller, controllerClass, method, contextType);
        String name = method.getDeclaringClass().getSimpleName() + "#" + method.getName();
        Class<?> returned = method.getReturnType();
        if (PushContext.class.isAssignableFrom(contextType) && returned != void.class && returned != Void.class
                && !CompletionStage.class.isAssignableFrom(returned) && !Future.class.isAssignableFrom(returned)) {
            log.warn("push handler {} returns {}, which nobody receives: a push has no reply (return void, or a "
                    + "CompletionStage to say when it is done; or, if it is no handler, mark it @NotRoute)", name,
                    returned.getSimpleName());
        }
        if (accessorOfAField(controllerClass, method)) {
            // A getter or setter left public is a route anyone connected may call (trial 18: a setter of a limit).
            log.warn("{} looks like an accessor and is the route {}: every public method of a controller is a "
                    + "route, as in Go; if it is none, mark it @NotRoute or make it non-public", name, path);
        }
        boolean nonBlocking = method.isAnnotationPresent(NonBlocking.class)
                || method.getDeclaringClass().isAnnotationPresent(NonBlocking.class)
                || controllerClass.isAnnotationPresent(NonBlocking.class);
        return new Route(path, handler.bodyType(), name, handler::invoke).withNonBlocking(nonBlocking);
    }

    /**
     * Whether {@code method} reads or writes a field of the controller as a bean's accessor does: a getter
     * ({@code getX}, {@code isX}: no parameter, a value) or a setter ({@code setX}: one parameter, no value)
     * of a field named {@code x}. A handler named {@code getInfo} for a Go caller's {@code /get_info} takes its
     * body, or has no field of that name, and is not one.
     */
    private static boolean accessorOfAField(Class<?> controllerClass, Method method) {
        String name = method.getName();
        int prefix = name.startsWith("is") ? 2 : name.startsWith("get") || name.startsWith("set") ? 3 : 0;
        if (prefix == 0 || name.length() == prefix || !Character.isUpperCase(name.charAt(prefix))) {
            return false;
        }
        boolean setter = name.startsWith("set");
        boolean shape = setter ? method.getParameterCount() == 1 && method.getReturnType() == void.class
                : method.getParameterCount() == 0 && method.getReturnType() != void.class;
        if (!shape) {
            return false;
        }
        String field = Character.toLowerCase(name.charAt(prefix)) + name.substring(prefix + 1);
        for (Class<?> c = controllerClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                if (f.getName().equals(field)) {
                    return true;
                }
            }
        }
        return false;
    }
}
