package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.annotation.Annotation;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A handler parameter's annotations, as Spring MVC reads them: its own, then those of the same
 * parameter where the method is declared higher up (an interface or a superclass the controller
 * implements) or lower down (the controller class's own method, when the handler is bound through an
 * interface because a JDK proxy stands in for the controller). Java passes none of them on, so
 * without this an {@code @QueryValue} written on an interface, or on a class behind a JDK proxy,
 * would be lost and the parameter taken for a second body. The first of each annotation type wins,
 * the most specific declaration's (the controller class's own) before its supertypes', whichever of
 * them the handler is bound through.
 */
final class ParameterAnnotations {

    private ParameterAnnotations() {
    }

    /** The annotations of each parameter of {@code method}, merged over the methods it is one with in {@code owner}. */
    static Annotation[][] of(Method method, Class<?> owner) {
        Annotation[][] own = method.getParameterAnnotations();
        if (method.getParameterCount() == 0) {
            return own;
        }
        List<Method> related = related(method, owner);
        if (related.size() == 1) {
            return own;
        }
        Annotation[][] merged = new Annotation[own.length][];
        for (int i = 0; i < own.length; i++) {
            List<Annotation> annotations = new ArrayList<>();
            for (Method other : related) {
                for (Annotation annotation : other.getParameterAnnotations()[i]) {
                    if (annotations.stream().noneMatch(a -> a.annotationType() == annotation.annotationType())) {
                        annotations.add(annotation);
                    }
                }
            }
            merged[i] = annotations.toArray(new Annotation[0]);
        }
        return merged;
    }

    /**
     * The declarations of {@code method} (itself included) in {@code owner}'s type hierarchy and its
     * declaring class's, the most specific first: the owner's own, then its superclasses', then its
     * interfaces'.
     */
    private static List<Method> related(Method method, Class<?> owner) {
        List<Method> related = new ArrayList<>();
        for (Class<?> type : hierarchy(owner, method.getDeclaringClass())) {
            for (Method candidate : type.getDeclaredMethods()) {
                if (candidate.equals(method) || sameSignature(candidate, method, owner)) {
                    related.add(candidate);
                }
            }
        }
        return related;
    }

    /** {@code owner} and its supertypes, nearest first, then {@code declaring}'s if it is none of them. */
    private static Set<Class<?>> hierarchy(Class<?> owner, Class<?> declaring) {
        Set<Class<?>> types = new LinkedHashSet<>();
        visit(owner, types);
        visit(declaring, types);
        return types;
    }

    private static void visit(Class<?> start, Set<Class<?>> types) {
        Deque<Class<?>> pending = new ArrayDeque<>(List.of(start));
        while (!pending.isEmpty()) {
            Class<?> type = pending.poll();
            if (type == Object.class || !types.add(type)) {
                continue;
            }
            if (type.getSuperclass() != null) {
                pending.add(type.getSuperclass());
            }
            pending.addAll(List.of(type.getInterfaces()));
        }
    }

    /** Whether {@code candidate} overrides {@code method}, or the other way round, once {@code owner}'s type arguments are bound. */
    private static boolean sameSignature(Method candidate, Method method, Class<?> owner) {
        int modifiers = candidate.getModifiers();
        if (Modifier.isStatic(modifiers) || Modifier.isPrivate(modifiers) || candidate.isBridge()
                || candidate.isSynthetic() || !candidate.getName().equals(method.getName())
                || candidate.getParameterCount() != method.getParameterCount()) {
            return false;
        }
        Class<?>[] types = candidate.getParameterTypes();
        Class<?>[] expected = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == expected[i]) {
                continue;
            }
            Class<?> erased = erased(candidate.getGenericParameterTypes()[i], owner);
            if (erased == null || erased != erased(method.getGenericParameterTypes()[i], owner)) {
                return false;
            }
        }
        return true;
    }

    /** The class {@code type} stands for once {@code owner} binds its variables; null while one stays unbound. */
    private static @Nullable Class<?> erased(Type type, Class<?> owner) {
        Type resolved = GenericTypes.resolve(type, owner);
        if (resolved instanceof Class<?> plain) {
            return plain;
        }
        if (resolved instanceof ParameterizedType parameterized) {
            return (Class<?>) parameterized.getRawType();
        }
        if (resolved instanceof GenericArrayType array) {
            Class<?> component = erased(array.getGenericComponentType(), owner);
            return component == null ? null : component.arrayType();
        }
        return null;
    }
}
