package io.teleport.spring.handler;

import io.teleport.router.MessageContext;
import io.teleport.router.Route;
import io.teleport.session.Session;
import io.teleport.spring.annotation.MetaValue;
import io.teleport.spring.annotation.QueryValue;
import org.springframework.core.MethodParameter;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;

/**
 * Turns one handler method of a controller bean into a {@link Route}, resolving each parameter once
 * at start-up: the body, the context, the session, {@link MetaValue} and {@link QueryValue}.
 * A method that cannot be a handler fails start-up with a message naming it.
 */
final class HandlerMethodRoute {

    /** Where one argument comes from. */
    @FunctionalInterface
    private interface ArgumentResolver {
        Object resolve(Object body, MessageContext ctx);
    }

    private HandlerMethodRoute() {
    }

    static Route create(Object bean, Method method, String path, Class<? extends MessageContext> contextType,
            Class<?> userClass) {
        String name = method.getDeclaringClass().getSimpleName() + "#" + method.getName();
        ArgumentResolver[] resolvers = new ArgumentResolver[method.getParameterCount()];
        Type bodyType = Void.class;
        for (int i = 0; i < resolvers.length; i++) {
            MethodParameter parameter = new MethodParameter(method, i);
            Class<?> type = parameter.getParameterType();
            MetaValue meta = parameter.getParameterAnnotation(MetaValue.class);
            QueryValue query = parameter.getParameterAnnotation(QueryValue.class);
            if (meta != null) {
                requireString(type, name, "@MetaValue");
                String key = meta.value();
                resolvers[i] = (body, ctx) -> ctx.meta().peek(key);
            } else if (query != null) {
                requireString(type, name, "@QueryValue");
                String key = query.value();
                resolvers[i] = (body, ctx) -> ctx.queryValue(key);
            } else if (MessageContext.class.isAssignableFrom(type)) {
                if (!type.isAssignableFrom(contextType)) {
                    throw new IllegalStateException(name + ": parameter " + type.getSimpleName() + " is not available to "
                            + contextType.getSimpleName().replace("Unknown", "") + " handlers");
                }
                resolvers[i] = (body, ctx) -> ctx;
            } else if (type == Session.class) {
                resolvers[i] = (body, ctx) -> ctx.session();
            } else if (bodyType == Void.class) {
                // Resolved against the controller class: Crud<User>.save(T) takes a User.
                bodyType = bodyType(org.springframework.core.ResolvableType.forMethodParameter(parameter,
                        org.springframework.core.ResolvableType.forClass(userClass)));
                resolvers[i] = (body, ctx) -> body;
            } else {
                throw new IllegalStateException(name + ": more than one body parameter (expected: one body, plus the "
                        + "context, the session, @MetaValue and @QueryValue parameters)");
            }
        }
        ReflectionUtils.makeAccessible(method);
        return new Route(path, bodyType, name, (body, ctx) -> {
            Object[] args = new Object[resolvers.length];
            for (int i = 0; i < resolvers.length; i++) {
                args[i] = resolvers[i].resolve(body, ctx);
            }
            try {
                return method.invoke(bean, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getTargetException();
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                throw (Error) cause;
            }
        });
    }

    /** The declared type when it names no type variable; otherwise the class it resolves to. */
    private static Type bodyType(org.springframework.core.ResolvableType type) {
        Type declared = type.getType();
        if (declared instanceof Class || (declared instanceof java.lang.reflect.ParameterizedType
                && !type.hasUnresolvableGenerics() && !containsVariable(declared))) {
            return declared;
        }
        return type.resolve(Object.class);
    }

    private static boolean containsVariable(Type type) {
        if (type instanceof java.lang.reflect.TypeVariable || type instanceof java.lang.reflect.WildcardType) {
            return true;
        }
        if (type instanceof java.lang.reflect.ParameterizedType) {
            for (Type argument : ((java.lang.reflect.ParameterizedType) type).getActualTypeArguments()) {
                if (containsVariable(argument)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void requireString(Class<?> type, String name, String annotation) {
        if (type != String.class) {
            throw new IllegalStateException(name + ": " + annotation + " parameters must be String, not " + type.getName());
        }
    }
}
