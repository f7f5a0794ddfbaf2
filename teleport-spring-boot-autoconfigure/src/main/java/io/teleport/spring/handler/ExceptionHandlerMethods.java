package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.MessageContext;
import io.teleport.router.PullContext;
import io.teleport.router.PushContext;
import io.teleport.session.Session;
import io.teleport.spring.annotation.TeleportExceptionHandler;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.ExceptionDepthComparator;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link TeleportExceptionHandler} methods of one advice bean, checked once at start-up and
 * chosen per exception the way Spring MVC's {@code ExceptionHandlerMethodResolver} chooses: the
 * method of the closest mapped supertype of the exception, else of its cause, and so on down the
 * chain. Two methods of one bean mapping the same type are ambiguous and fail start-up.
 */
final class ExceptionHandlerMethods {

    private static final List<Class<?>> CONTEXTS = List.of(MessageContext.class, PullContext.class, PushContext.class);

    private final Object bean;
    private final String beanName;
    private final Map<Class<? extends Throwable>, Method> byType = new LinkedHashMap<>();
    /** The method for each thrown type, for pulls and for pushes: one that takes a PullContext is for pulls only. */
    private final Map<Class<?>, Optional<Method>> resolvedForPulls = new ConcurrentHashMap<>();
    private final Map<Class<?>, Optional<Method>> resolvedForPushes = new ConcurrentHashMap<>();

    ExceptionHandlerMethods(String beanName, Object bean) {
        this.bean = bean;
        this.beanName = beanName;
        Class<?> type = ClassUtils.getUserClass(AopUtils.getTargetClass(bean));
        Map<Method, TeleportExceptionHandler> methods = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<TeleportExceptionHandler>) m ->
                        AnnotatedElementUtils.findMergedAnnotation(m, TeleportExceptionHandler.class));
        methods.forEach((method, annotation) -> add(AopUtils.selectInvocableMethod(method, bean.getClass()), annotation));
    }

    /** Whether the bean has any handler method. */
    boolean isEmpty() {
        return byType.isEmpty();
    }

    private void add(Method method, TeleportExceptionHandler annotation) {
        checkSignature(method);
        List<Class<? extends Throwable>> types = new ArrayList<>(List.of(annotation.value()));
        if (types.isEmpty()) {
            for (Class<?> parameter : method.getParameterTypes()) {
                if (Throwable.class.isAssignableFrom(parameter)) {
                    types.add(parameter.asSubclass(Throwable.class));
                }
            }
        }
        if (types.isEmpty()) {
            throw invalid(method, "names no exception type (expected: an exception parameter or types in the annotation)");
        }
        for (Class<?> parameter : method.getParameterTypes()) {
            for (Class<? extends Throwable> type : types) {
                if (Throwable.class.isAssignableFrom(parameter) && !parameter.isAssignableFrom(type)) {
                    throw invalid(method, "maps " + type.getName() + ", which its parameter " + parameter.getName()
                            + " cannot take (make the parameter a type every mapped exception is, such as "
                            + "RuntimeException, or map " + type.getSimpleName() + " in a method of its own)");
                }
            }
        }
        for (Class<? extends Throwable> type : types) {
            Method previous = byType.putIfAbsent(type, method);
            if (previous != null && !previous.equals(method)) {
                throw invalid(method, "maps " + type.getName() + " as " + describe(previous) + " does (ambiguous)");
            }
        }
        ReflectionUtils.makeAccessible(method);
    }

    private void checkSignature(Method method) {
        if (method.getReturnType() != Rerror.class) {
            throw invalid(method, "returns " + method.getReturnType().getName()
                    + " (expected: io.teleport.message.Rerror, or throw a RerrorException)");
        }
        int exceptions = 0;
        for (Class<?> parameter : method.getParameterTypes()) {
            if (Throwable.class.isAssignableFrom(parameter)) {
                exceptions++;
            } else if (!CONTEXTS.contains(parameter) && parameter != Session.class) {
                throw invalid(method, "takes a " + parameter.getName()
                        + " (expected: the exception, a MessageContext, PullContext or PushContext, a Session)");
            }
        }
        if (exceptions > 1) {
            throw invalid(method, "takes " + exceptions + " exception parameters (expected: at most one)");
        }
    }

    /**
     * The error this bean's method for {@code error} (or one of its causes) gives; {@code null} when
     * it has no such method or the method returns {@code null}.
     *
     * @throws RuntimeException what the method threw, other than a {@link RerrorException}
     */
    @Nullable Rerror map(Throwable error, MessageContext ctx) {
        boolean pull = ctx.isPull();
        Map<Class<?>, Optional<Method>> resolved = pull ? resolvedForPulls : resolvedForPushes;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Method method = resolved.computeIfAbsent(t.getClass(), thrown -> closest(thrown, pull)).orElse(null);
            if (method != null) {
                return invoke(method, t, ctx);
            }
        }
        return null;
    }

    private Optional<Method> closest(Class<?> thrown, boolean pull) {
        List<Class<? extends Throwable>> matches = new ArrayList<>();
        for (Map.Entry<Class<? extends Throwable>, Method> entry : byType.entrySet()) {
            Class<? extends Throwable> type = entry.getKey();
            if (type.isAssignableFrom(thrown) && handles(entry.getValue(), pull)) {
                matches.add(type);
            }
        }
        if (matches.isEmpty()) {
            return Optional.empty();
        }
        matches.sort(new ExceptionDepthComparator(thrown.asSubclass(Throwable.class)));
        return Optional.of(byType.get(matches.get(0)));
    }

    /**
     * Whether {@code method} is for the kind of message: one taking a {@code PullContext} maps only
     * pulls' exceptions, one taking a {@code PushContext} only pushes', as its signature says.
     */
    private static boolean handles(Method method, boolean pull) {
        for (Class<?> parameter : method.getParameterTypes()) {
            if (PullContext.class.isAssignableFrom(parameter) && !pull || PushContext.class.isAssignableFrom(parameter) && pull) {
                return false;
            }
        }
        return true;
    }

    private @Nullable Rerror invoke(Method method, Throwable error, MessageContext ctx) {
        Class<?>[] parameters = method.getParameterTypes();
        Object[] args = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            args[i] = Throwable.class.isAssignableFrom(parameters[i]) ? error
                    : parameters[i] == Session.class ? ctx.session()
                    : parameters[i].isInstance(ctx) ? ctx : null;
        }
        try {
            return (Rerror) method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RerrorException) {
                return ((RerrorException) e.getCause()).rerror();
            }
            throw new IllegalStateException(describe(method) + " failed", e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(describe(method) + " cannot be called", e);
        }
    }

    private String describe(Method method) {
        return beanName + "." + method.getName();
    }

    private IllegalStateException invalid(Method method, String problem) {
        return new IllegalStateException("@TeleportExceptionHandler " + method.getDeclaringClass().getName() + "."
                + method.getName() + " " + problem);
    }
}
