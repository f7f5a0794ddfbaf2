package io.teleport.router;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Turns the public methods of a controller object into routes named the Teleport v3 way.
 *
 * <p>A handler method takes at most one body parameter plus, in any order, the handler context, the
 * {@link io.teleport.session.Session}, {@link QueryValue} and {@link MetaValue} strings (see
 * {@link MethodRoutes}). Its return value is the reply body. A public method marked {@link NotRoute} is
 * not a route.
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
            if (!isHandler(type, method)) {
                continue;
            }
            String path = RouteNames.join(prefix, controllerName, RouteNames.snake(method.getName()));
            routes.add(MethodRoutes.standard().route(controller, type, method, path, contextType));
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException(type.getName() + " has no public handler method");
        }
        return routes;
    }

    private static boolean isHandler(Class<?> type, Method method) {
        int modifiers = method.getModifiers();
        return method.getDeclaringClass() != Object.class
                && !overridesObject(method)
                && !Modifier.isStatic(modifiers)
                && !method.isBridge()
                && !method.isSynthetic()
                && !isNotRoute(type, method);
    }

    /** Whether the method, or a method of a supertype it overrides, carries {@link NotRoute}. */
    private static boolean isNotRoute(@Nullable Class<?> type, Method method) {
        if (type == null || type == Object.class) {
            return false;
        }
        try {
            if (type.getDeclaredMethod(method.getName(), method.getParameterTypes()).isAnnotationPresent(NotRoute.class)) {
                return true;
            }
        } catch (NoSuchMethodException e) {
            // not declared here: look further up
        }
        for (Class<?> implemented : type.getInterfaces()) {
            if (isNotRoute(implemented, method)) {
                return true;
            }
        }
        return isNotRoute(type.getSuperclass(), method);
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
}
