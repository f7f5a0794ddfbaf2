package io.teleport.spring.exchange;

import io.teleport.spring.client.SessionTemplate;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.core.convert.ConversionService;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Makes the client proxy of a {@link TeleportExchange} interface over a {@link SessionTemplate},
 * as Spring's {@code HttpServiceProxyFactory} does over a {@code RestClient}: for applications
 * that build proxies themselves (another remote chosen at run time, a test); beans come from
 * {@link ImportTeleportExchanges}. A proxy is only a way to make calls: its frames are those of the
 * template's {@code pull} and {@code push} with the same URI, body and options, so any Teleport
 * peer (a Go one included) serves it.
 */
public final class TeleportExchangeProxyFactory {

    private final ConversionService conversions;

    /** A factory writing {@code @QueryValue} and {@code @MetaValue} arguments as text with Boot's shared conversions. */
    public TeleportExchangeProxyFactory() {
        this(ApplicationConversionService.getSharedInstance());
    }

    /** A factory writing {@code @QueryValue} and {@code @MetaValue} arguments as text with {@code conversions}. */
    public TeleportExchangeProxyFactory(ConversionService conversions) {
        this.conversions = Objects.requireNonNull(conversions, "conversions");
    }

    /**
     * The proxy of {@code type} calling through {@code template}.
     *
     * @throws IllegalArgumentException when {@code type} is not a {@link TeleportExchange} interface
     * @throws IllegalStateException naming the method, when one cannot be called (two bodies, a push
     *     with a reply, a timeout that is not a duration)
     */
    public <T> T create(Class<T> type, SessionTemplate template) {
        if (!ExchangeRoutes.isExchange(type)) {
            throw new IllegalArgumentException(type.getName() + " is not an interface annotated with @TeleportExchange");
        }
        checkReachable(type);
        Map<Method, ExchangeMethod> calls = new HashMap<>();
        for (Method method : type.getMethods()) {
            if (!ExchangeRoutes.isRoute(method)) {
                continue;
            }
            if (!ExchangeRoutes.isExchange(method.getDeclaringClass())) {
                // Its route would be named by an interface that names none: refused now, not at each call.
                throw new IllegalStateException(type.getName() + ": " + method.getDeclaringClass().getName() + "."
                        + method.getName() + " is declared by an interface that is not a @TeleportExchange: annotate "
                        + method.getDeclaringClass().getSimpleName() + " with @TeleportExchange, or declare the method in "
                        + type.getSimpleName());
            }
            calls.put(method, new ExchangeMethod(method, type, template.name(), conversions));
        }
        InvocationHandler handler = (proxy, method, args) -> invoke(type, template, calls, proxy, method, args);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /**
     * The JDK makes the proxy of a public interface outside the interface's package, where a type that
     * is not public cannot be reached: every call then failed with {@code IllegalAccessError} (a record
     * written next to the interface without {@code public}, new-user trial 15). Refused at start-up.
     */
    private static void checkReachable(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return;
        }
        for (Method method : type.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            // What the proxy's code names: the return type it casts to and the checked exceptions it
            // rethrows (a parameter's type is only in its descriptor, which resolves).
            List<Class<?>> used = new ArrayList<>(List.of(method.getReturnType()));
            for (Class<?> thrown : method.getExceptionTypes()) {
                if (!RuntimeException.class.isAssignableFrom(thrown) && !Error.class.isAssignableFrom(thrown)) {
                    used.add(thrown);
                }
            }
            for (Class<?> c : used) {
                while (c.isArray()) {
                    c = c.getComponentType();
                }
                // A protected member type is public to the JVM.
                if (!c.isPrimitive() && !Modifier.isPublic(c.getModifiers()) && !Modifier.isProtected(c.getModifiers())) {
                    throw new IllegalStateException(type.getName() + ": " + method.getDeclaringClass().getSimpleName()
                            + "." + method.getName() + " uses " + c.getName() + ", which is not public, and the proxy of"
                            + " a public interface is made outside its package: make " + c.getSimpleName()
                            + " public, or " + type.getSimpleName() + " package-private");
                }
            }
        }
    }

    private static @Nullable Object invoke(Class<?> type, SessionTemplate template, Map<Method, ExchangeMethod> calls,
            Object proxy, Method method, @Nullable Object @Nullable [] args) throws Throwable {
        ExchangeMethod call = calls.get(method);
        if (call != null) {
            return call.call(template, args == null ? new Object[0] : args);
        }
        if (method.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        return switch (method.getName()) {
            case "toString" -> type.getSimpleName() + " via " + template;
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> args != null && proxy == args[0];
            default -> throw new UnsupportedOperationException(method.toString());
        };
    }
}
