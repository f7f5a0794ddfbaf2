package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.router.binding.HandlerParameter;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintDeclarationException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import org.jspecify.annotations.Nullable;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The check of a handler whose method overrides another (a controller implementing an interface,
 * {@code @TeleportExchange} or not) and adds {@code @Valid} there: Bean Validation refuses that
 * method's parameters as a whole (a method may not redefine its parameters' constraints), but the
 * user's intent is Spring MVC's {@code @Valid @RequestBody}: validate that object. So each
 * {@code @Valid} argument (or each element of one, for {@code List<@Valid Item>}) is validated as a
 * bean on its own. A constraint on the parameter itself ({@code @Min(1) int page}) cannot be checked
 * that way and fails start-up, naming where it may go instead.
 */
final class CascadedArgumentsCheck implements HandlerArgumentValidator.Check {

    private final Validator validator;
    private final Class<?>[] groups;
    /** For each parameter: its label in violations, or null when it is not validated. */
    private final @Nullable String[] labels;
    private final boolean[] elements;

    private CascadedArgumentsCheck(Validator validator, Class<?>[] groups, @Nullable String[] labels, boolean[] elements) {
        this.validator = validator;
        this.groups = groups;
        this.labels = labels;
        this.elements = elements;
    }

    /**
     * The check of {@code method}, which Bean Validation refused with {@code refusal}; null when no
     * argument asks for one.
     *
     * @throws IllegalStateException when a parameter carries a constraint of its own
     */
    static HandlerArgumentValidator.@Nullable Check of(Validator validator, Method method, List<HandlerParameter> parameters,
            String[] labels, Class<?>[] groups, ConstraintDeclarationException refusal) {
        @Nullable String[] checked = new String[parameters.size()];
        boolean[] elements = new boolean[parameters.size()];
        boolean any = false;
        for (HandlerParameter parameter : parameters) {
            int i = parameter.index();
            for (Annotation annotation : method.getParameterAnnotations()[i]) {
                if (annotation.annotationType().isAnnotationPresent(Constraint.class)) {
                    throw new IllegalStateException(parameter.handler() + ": @" + annotation.annotationType().getSimpleName()
                            + " on " + parameter + " cannot be checked: the method overrides another, and Bean Validation "
                            + "lets only the first declaration constrain parameters (" + refusal.getMessage() + "); "
                            + "declare it on the overridden method, or on the fields of the body with @Valid here");
                }
            }
            elements[i] = validElements(method.getAnnotatedParameterTypes()[i]);
            if (parameter.hasAnnotation(Valid.class) || elements[i]) {
                checked[i] = labels[i];
                any = true;
            }
        }
        return any ? new CascadedArgumentsCheck(validator, groups, checked, elements) : null;
    }

    private static boolean validElements(AnnotatedType type) {
        if (type instanceof AnnotatedParameterizedType parameterized) {
            for (AnnotatedType argument : parameterized.getAnnotatedActualTypeArguments()) {
                if (argument.isAnnotationPresent(Valid.class)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void check(@Nullable Object[] arguments) {
        Set<String> problems = new TreeSet<>();
        for (int i = 0; i < labels.length; i++) {
            String label = labels[i];
            Object argument = arguments[i];
            if (label == null || argument == null) {
                continue;
            }
            if (elements[i] || argument instanceof Collection || argument instanceof Map || argument.getClass().isArray()) {
                validateElements(label, argument, problems);
            } else {
                validate(label, argument, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw new RerrorException(new Rerror(BeanValidationArguments.CODE_INVALID, "Invalid Argument",
                    String.join("; ", problems)));
        }
    }

    private void validateElements(String label, Object argument, Set<String> problems) {
        if (argument instanceof Map<?, ?> map) {
            map.forEach((key, value) -> validate(label + "[" + key + "]", value, problems));
            return;
        }
        List<Object> items = new ArrayList<>();
        if (argument instanceof Collection<?> collection) {
            items.addAll(collection);
        } else {
            for (int j = 0; j < Array.getLength(argument); j++) {
                items.add(Array.get(argument, j));
            }
        }
        for (int j = 0; j < items.size(); j++) {
            validate(label + "[" + j + "]", items.get(j), problems);
        }
    }

    private void validate(String label, @Nullable Object value, Set<String> problems) {
        if (value == null) {
            return;
        }
        for (ConstraintViolation<Object> violation : validator.validate(value, groups)) {
            String path = violation.getPropertyPath().toString();
            String where = label.isEmpty() ? path : path.isEmpty() ? label : label + (path.startsWith("[") ? "" : ".") + path;
            problems.add(where + ": " + violation.getMessage());
        }
    }
}
