package io.teleport.router.binding;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.Arrays;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The generic types {@link GenericTypes} builds once it has bound a variable, since the JDK offers
 * no factory for them. Equal to the JDK's own by the rules their interfaces document, so that a
 * codec caching per type finds them.
 */
final class SyntheticTypes {

    private SyntheticTypes() {
    }

    /** Such as {@code List<User>}. */
    static final class Parameterized implements ParameterizedType {

        private final Class<?> raw;
        private final Type[] arguments;
        private final @Nullable Type owner;

        Parameterized(Class<?> raw, Type[] arguments, @Nullable Type owner) {
            this.raw = raw;
            this.arguments = arguments;
            this.owner = owner;
        }

        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public @Nullable Type getOwnerType() {
            return owner;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            if (!(o instanceof ParameterizedType)) {
                return false;
            }
            ParameterizedType other = (ParameterizedType) o;
            return raw.equals(other.getRawType()) && Objects.equals(owner, other.getOwnerType())
                    && Arrays.equals(arguments, other.getActualTypeArguments());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(arguments) ^ Objects.hashCode(owner) ^ raw.hashCode();
        }

        @Override
        public String toString() {
            StringJoiner joiner = new StringJoiner(", ", "<", ">");
            for (Type argument : arguments) {
                joiner.add(argument.getTypeName());
            }
            return raw.getName() + joiner;
        }
    }

    /** Such as {@code List<User>[]}. */
    static final class GenericArray implements GenericArrayType {

        private final Type component;

        GenericArray(Type component) {
            this.component = component;
        }

        @Override
        public Type getGenericComponentType() {
            return component;
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof GenericArrayType && component.equals(((GenericArrayType) o).getGenericComponentType());
        }

        @Override
        public int hashCode() {
            return component.hashCode();
        }

        @Override
        public String toString() {
            return component.getTypeName() + "[]";
        }
    }

    /** Such as {@code ? extends User}. */
    static final class Wildcard implements WildcardType {

        private final Type[] upper;
        private final Type[] lower;

        Wildcard(Type[] upper, Type[] lower) {
            this.upper = upper;
            this.lower = lower;
        }

        @Override
        public Type[] getUpperBounds() {
            return upper.clone();
        }

        @Override
        public Type[] getLowerBounds() {
            return lower.clone();
        }

        @Override
        public boolean equals(@Nullable Object o) {
            return o instanceof WildcardType && Arrays.equals(upper, ((WildcardType) o).getUpperBounds())
                    && Arrays.equals(lower, ((WildcardType) o).getLowerBounds());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(upper) ^ Arrays.hashCode(lower);
        }

        @Override
        public String toString() {
            if (lower.length > 0) {
                return "? super " + lower[0].getTypeName();
            }
            return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + upper[0].getTypeName();
        }
    }
}
