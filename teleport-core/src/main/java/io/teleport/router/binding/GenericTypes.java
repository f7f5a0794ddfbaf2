package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Resolves the type variables of a handler's parameter types against the controller class, as the
 * codecs need a body type without variables: {@code Crud<T>.save(List<T>)} of
 * {@code Users extends Crud<User>} takes a {@code List<User>}. Core has no Spring, hence no
 * {@code ResolvableType}.
 */
final class GenericTypes {

    private GenericTypes() {
    }

    /**
     * {@code type} with every type variable replaced by what {@code owner} and its supertypes bind
     * it to; {@code type} itself when it has none; {@code null} when one is not bound, such as the
     * {@code T} of a {@code Crud<T>} registered as is, or a method's own type variable.
     */
    static @Nullable Type resolve(Type type, Class<?> owner) {
        if (type instanceof Class) {
            return type;
        }
        Map<TypeVariable<?>, Type> bindings = new HashMap<>();
        collect(owner, bindings, new HashSet<>());
        return substitute(type, bindings);
    }

    /** Binds the type variables of {@code type}'s class and of all its supertypes, subclass first. */
    private static void collect(@Nullable Type type, Map<TypeVariable<?>, Type> bindings, Set<Class<?>> seen) {
        Class<?> raw;
        if (type instanceof ParameterizedType) {
            ParameterizedType parameterized = (ParameterizedType) type;
            raw = (Class<?>) parameterized.getRawType();
            TypeVariable<?>[] variables = raw.getTypeParameters();
            Type[] arguments = parameterized.getActualTypeArguments();
            for (int i = 0; i < variables.length; i++) {
                // An argument is bound by a subclass already walked, or it stays unbound.
                Type bound = substitute(arguments[i], bindings);
                if (bound != null) {
                    bindings.putIfAbsent(variables[i], bound);
                }
            }
        } else if (type instanceof Class) {
            raw = (Class<?>) type;
        } else {
            return;
        }
        if (!seen.add(raw)) {
            return;
        }
        collect(raw.getGenericSuperclass(), bindings, seen);
        for (Type superInterface : raw.getGenericInterfaces()) {
            collect(superInterface, bindings, seen);
        }
    }

    /** {@code type} with its variables bound; the same instance when nothing changed; null if one is unbound. */
    private static @Nullable Type substitute(Type type, Map<TypeVariable<?>, Type> bindings) {
        if (type instanceof TypeVariable) {
            return bindings.get(type);
        }
        if (type instanceof ParameterizedType) {
            ParameterizedType parameterized = (ParameterizedType) type;
            // getActualTypeArguments() copies: keep the one copy to see whether anything changed.
            Type[] declared = parameterized.getActualTypeArguments();
            Type[] arguments = substituteAll(declared, bindings);
            Type declaredOwner = parameterized.getOwnerType();
            Type owner = declaredOwner == null ? null : substitute(declaredOwner, bindings);
            if (arguments == null || (declaredOwner != null && owner == null)) {
                return null;
            }
            boolean same = owner == declaredOwner && arguments == declared;
            return same ? type : new SyntheticTypes.Parameterized((Class<?>) parameterized.getRawType(), arguments, owner);
        }
        if (type instanceof GenericArrayType) {
            Type declared = ((GenericArrayType) type).getGenericComponentType();
            Type component = substitute(declared, bindings);
            if (component instanceof Class) {
                return Array.newInstance((Class<?>) component, 0).getClass();
            }
            if (component == null) {
                return null;
            }
            return component == declared ? type : new SyntheticTypes.GenericArray(component);
        }
        if (type instanceof WildcardType) {
            WildcardType wildcard = (WildcardType) type;
            Type[] declaredUpper = wildcard.getUpperBounds();
            Type[] declaredLower = wildcard.getLowerBounds();
            Type[] upper = substituteAll(declaredUpper, bindings);
            Type[] lower = substituteAll(declaredLower, bindings);
            if (upper == null || lower == null) {
                return null;
            }
            return upper == declaredUpper && lower == declaredLower ? type : new SyntheticTypes.Wildcard(upper, lower);
        }
        return type;
    }

    /** The types substituted; the same array when none changed; null if one has an unbound variable. */
    private static Type @Nullable [] substituteAll(Type[] types, Map<TypeVariable<?>, Type> bindings) {
        Type[] result = types;
        for (int i = 0; i < types.length; i++) {
            Type substituted = substitute(types[i], bindings);
            if (substituted == null) {
                return null;
            }
            if (substituted != types[i]) {
                if (result == types) {
                    result = types.clone();
                }
                result[i] = substituted;
            }
        }
        return result;
    }

    /** A short form of a type for messages, such as {@code Map<String, Object>} or {@code T}. */
    static String simpleName(Type type) {
        if (type instanceof Class) {
            return ((Class<?>) type).getSimpleName();
        }
        if (type instanceof ParameterizedType) {
            StringJoiner arguments = new StringJoiner(", ", "<", ">");
            for (Type argument : ((ParameterizedType) type).getActualTypeArguments()) {
                arguments.add(simpleName(argument));
            }
            return simpleName(((ParameterizedType) type).getRawType()) + arguments;
        }
        if (type instanceof GenericArrayType) {
            return simpleName(((GenericArrayType) type).getGenericComponentType()) + "[]";
        }
        return type.getTypeName();
    }
}
