package io.teleport.spring.exchange;

import io.teleport.router.RouteNames;
import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one place a {@link TeleportExchange} method gets its route name, used by the client proxy and
 * by the controller registrar alike, so that a proxy and a controller implementing the interface can
 * never disagree. Names follow core's {@link RouteNames}, as controllers' do: the interface's path
 * (or its simple name in snake case), then the method's name in snake case ({@code listAll} gives
 * {@code list_all}) or the one its {@link PullExchange}/{@link PushExchange} gives.
 */
public final class ExchangeRoutes {

    private ExchangeRoutes() {
    }

    /** Whether {@code type} is an interface declaring Teleport routes. */
    public static boolean isExchange(Class<?> type) {
        return type.isInterface() && type.isAnnotationPresent(TeleportExchange.class);
    }

    /**
     * The route path of {@code method}, a method of a {@link TeleportExchange} interface, such as
     * {@code /inventory/stock/list_all}.
     */
    public static String path(Method method) {
        Class<?> type = method.getDeclaringClass();
        TeleportExchange exchange = AnnotatedElementUtils.findMergedAnnotation(type, TeleportExchange.class);
        if (exchange == null || !type.isInterface()) {
            throw new IllegalArgumentException(type.getName() + " is not annotated with @TeleportExchange");
        }
        String prefix = exchange.path().isEmpty() ? RouteNames.snake(type.getSimpleName()) : exchange.path();
        String name = declaredName(method);
        return RouteNames.join(prefix, name.isEmpty() ? RouteNames.snake(method.getName()) : name);
    }

    /** Whether {@code method} is a push ({@link PushExchange}); every other exchange method is a pull. */
    public static boolean isPush(Method method) {
        if (method.isAnnotationPresent(PushExchange.class) && method.isAnnotationPresent(PullExchange.class)) {
            throw new IllegalStateException(method + " is marked both @PullExchange and @PushExchange");
        }
        return method.isAnnotationPresent(PushExchange.class);
    }

    /** Whether {@code method} is a route of its interface: abstract, so neither default nor static. */
    public static boolean isRoute(Method method) {
        return Modifier.isAbstract(method.getModifiers()) && !method.isSynthetic();
    }

    /**
     * The exchange method that {@code method}, a public method of the controller class {@code type},
     * implements, or {@code null} when it implements none: then it is named as any controller method.
     */
    public static @Nullable Method declaration(Class<?> type, Method method) {
        Method declared = declared(type, method);
        return declared != null && isRoute(declared) ? declared : null;
    }

    /**
     * Whether {@code method} of the controller class {@code type} is a default method of a
     * {@link TeleportExchange} interface (or overrides one): a helper of the interface's callers,
     * which the interface does not make a route, so a controller does not serve it either.
     */
    public static boolean isHelper(Class<?> type, Method method) {
        Method declared = declared(type, method);
        return declared != null && declared.isDefault();
    }

    /**
     * The method of an exchange interface {@code type} implements, directly or through the
     * interfaces it extends, that {@code method} is the implementation of: same name and, once
     * {@code type} binds the interface's type variables ({@code Bag<T>.put(T)} of a {@code Bag<User>}
     * is a {@code put(User)}), the same parameter types.
     */
    private static @Nullable Method declared(Class<?> type, Method method) {
        for (Class<?> candidate : allInterfaces(type)) {
            if (!isExchange(candidate)) {
                continue;
            }
            for (Method declared : candidate.getDeclaredMethods()) {
                if (declared.getName().equals(method.getName()) && !declared.isSynthetic()
                        && !Modifier.isStatic(declared.getModifiers()) && sameParameters(declared, method, type)) {
                    return declared;
                }
            }
        }
        return null;
    }

    private static Set<Class<?>> allInterfaces(Class<?> type) {
        Set<Class<?>> interfaces = new LinkedHashSet<>();
        Deque<Class<?>> pending = new ArrayDeque<>(ClassUtils.getAllInterfacesForClassAsSet(type));
        while (!pending.isEmpty()) {
            Class<?> next = pending.poll();
            if (interfaces.add(next)) {
                pending.addAll(List.of(next.getInterfaces()));
            }
        }
        return interfaces;
    }

    private static boolean sameParameters(Method declared, Method method, Class<?> type) {
        Class<?>[] expected = method.getParameterTypes();
        if (declared.getParameterCount() != expected.length) {
            return false;
        }
        Class<?>[] erased = declared.getParameterTypes();
        for (int i = 0; i < expected.length; i++) {
            // Erased alike (a generic base class implements save(T) as save(Object)), or alike once
            // the controller binds the interface's variables (save(Thing) of a ThingCrud<Thing>).
            if (erased[i] != expected[i] && ResolvableType.forMethodParameter(declared, i, type).resolve() != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static String declaredName(Method method) {
        PushExchange push = AnnotatedElementUtils.findMergedAnnotation(method, PushExchange.class);
        if (push != null) {
            return push.value();
        }
        PullExchange pull = AnnotatedElementUtils.findMergedAnnotation(method, PullExchange.class);
        return pull != null ? pull.value() : "";
    }
}
