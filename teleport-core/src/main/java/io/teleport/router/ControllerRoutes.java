package io.teleport.router;

import io.teleport.session.Session;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Turns the public methods of a controller object into routes named the Teleport v3 way.
 *
 * <p>A handler method takes at most one body parameter plus, in any order, the handler context and
 * the {@link Session}. Its return value is the reply body.
 */
final class ControllerRoutes {

    private ControllerRoutes() {
    }

    static List<Route> of(Object controller, String prefix, Class<? extends MessageContext> contextType) {
        Class<?> type = userClass(controller.getClass());
        String controllerName = RouteNames.snake(type.getSimpleName());
        Method[] methods = type.getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        List<Route> routes = new ArrayList<>();
        for (Method method : methods) {
            if (!isHandler(method)) {
                continue;
            }
            String path = RouteNames.join(prefix, controllerName, RouteNames.snake(method.getName()));
            routes.add(route(controller, method, path, contextType));
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + " has no public handler method");
        }
        return routes;
    }

    static Route route(Object controller, Method method, String path, Class<? extends MessageContext> contextType) {
        Parameter[] parameters = method.getParameters();
        ArgumentSource[] sources = new ArgumentSource[parameters.length];
        Type bodyType = Void.class;
        for (int i = 0; i < parameters.length; i++) {
            Class<?> p = parameters[i].getType();
            if (p.isAssignableFrom(contextType) && MessageContext.class.isAssignableFrom(p)) {
                sources[i] = (body, ctx) -> ctx;
            } else if (p == Session.class) {
                sources[i] = (body, ctx) -> ctx.session();
            } else if (MessageContext.class.isAssignableFrom(p)) {
                throw new IllegalArgumentException(describe(method) + ": parameter " + p.getSimpleName()
                        + " is not available to " + contextType.getSimpleName() + " handlers");
            } else if (bodyType == Void.class) {
                bodyType = parameters[i].getParameterizedType();
                sources[i] = (body, ctx) -> body;
            } else {
                throw new IllegalArgumentException(describe(method)
                        + ": more than one body parameter (expected: one body plus the context or the session)");
            }
        }
        method.setAccessible(true);
        String name = describe(method);
        return new Route(path, bodyType, name, (body, ctx) -> {
            Object[] args = new Object[sources.length];
            for (int i = 0; i < sources.length; i++) {
                args[i] = sources[i].get(body, ctx);
            }
            try {
                return method.invoke(controller, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Exception) {
                    throw (Exception) cause;
                }
                throw (Error) cause;
            }
        });
    }

    private static boolean isHandler(Method method) {
        int modifiers = method.getModifiers();
        return method.getDeclaringClass() != Object.class
                && !overridesObject(method)
                && !Modifier.isStatic(modifiers)
                && !method.isBridge()
                && !method.isSynthetic();
    }

    /** {@code toString}, {@code equals} and {@code hashCode} overrides are never routes. */
    private static boolean overridesObject(Method method) {
        try {
            Object.class.getMethod(method.getName(), method.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The class the user wrote, behind any generated subclass such as a Spring CGLIB proxy. */
    private static Class<?> userClass(Class<?> type) {
        Class<?> c = type;
        while (c.getName().contains("$$") && c.getSuperclass() != null && c.getSuperclass() != Object.class) {
            c = c.getSuperclass();
        }
        return c;
    }

    private static String describe(Method method) {
        return method.getDeclaringClass().getSimpleName() + "#" + method.getName();
    }

    @FunctionalInterface
    private interface ArgumentSource {
        Object get(Object body, MessageContext ctx);
    }
}
