package io.teleport.spring.handler;

import io.teleport.router.MetaValue;
import io.teleport.router.QueryValue;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.router.binding.HandlerParameter;
import jakarta.validation.Configuration;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintDeclarationException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.ValidationException;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import jakarta.validation.executable.ExecutableValidator;
import jakarta.validation.metadata.MethodDescriptor;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.validation.annotation.Validated;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates handler arguments with the application's {@link Validator} before the handler runs, as
 * Spring MVC validates a controller's: the body when it is {@code @Valid} (its elements too, for
 * {@code List<@Valid Item>}), constraints on parameters ({@code @QueryValue("page") @Min(1) int page}),
 * and the groups of {@code @Validated} on the method or the controller. A violation is the caller's
 * mistake, so it is answered with 400 naming each field as the caller knows it (the body is the root:
 * {@code items[0].name: must not be blank}; a query value by its name) rather than reaching the handler,
 * or a {@code @Validated} proxy that would throw it as a 500. The violation is thrown as an
 * {@link InvalidArgumentsException}, which exception handlers may map to an error of their own. Handlers without constraints are not
 * checked at all. The validator is looked up when the handlers are bound; without one nothing is checked,
 * and a handler that asks for validation is named at WARN, since its constraints would otherwise be
 * silently ignored. A controller whose method overrides another and adds {@code @Valid} or a constraint
 * (which Bean Validation refuses, for the whole class) is validated by a validator configured as the
 * application's that allows it (Hibernate Validator's {@code allow_parameter_constraint_override}).
 */
public final class BeanValidationArguments implements HandlerArgumentValidator {

    private static final Logger log = LoggerFactory.getLogger(BeanValidationArguments.class);

    /** The code of a violation, as core's {@code ValidationPlugin} answers. */
    public static final int CODE_INVALID = 400;

    /** Hibernate Validator's switch for {@link #allowingOverrides}; other providers ignore it. */
    private static final String ALLOW_PARAMETER_CONSTRAINT_OVERRIDE = "hibernate.validator.allow_parameter_constraint_override";

    private final ObjectProvider<Validator> validators;
    private @Nullable Validator relaxed;

    /** Validates with the unique (or primary) {@link Validator} of {@code validators}, if any. */
    public BeanValidationArguments(ObjectProvider<Validator> validators) {
        this.validators = validators;
    }

    @Override
    public @Nullable Check prepare(Object controller, Method method, List<HandlerParameter> parameters,
            @Nullable HandlerParameter body) {
        Validator validator = validators.getIfUnique();
        if (parameters.isEmpty()) {
            return null;
        }
        if (validator == null || !canValidate(validator)) {
            if (asksForValidation(method)) {
                log.warn("{}#{} has @Valid or constraints on its parameters, but there is no jakarta.validation.Validator "
                        + "bean (or several, none @Primary){}: they are not checked. Add spring-boot-starter-validation "
                        + "(Boot makes the Validator), or declare one.", method.getDeclaringClass().getSimpleName(),
                        method.getName(), validator == null ? "" : " that can validate (no Bean Validation provider)");
            }
            return null;
        }
        // Validated on the object the user wrote: a proxy's class carries no constraints.
        Object singleton = AopProxyUtils.getSingletonTarget(controller);
        Object target = singleton != null ? singleton : controller;
        Validator checking = validator;
        MethodDescriptor described;
        try {
            described = describe(checking, target, method);
        } catch (ConstraintDeclarationException overriding) {
            // @Valid on an interface method's implementation, as on a @RestController's @RequestBody:
            // Bean Validation's strict rule refuses the whole class; Hibernate Validator can relax it.
            checking = allowingOverrides(validator, method, overriding);
            try {
                described = describe(checking, target, method);
            } catch (ValidationException stillRefused) {
                throw new IllegalStateException(method.getDeclaringClass().getName() + "." + method.getName() + ": "
                        + overriding.getMessage() + " (the validation provider does not allow it: declare the "
                        + "constraints on the overridden method)", stillRefused);
            }
        }
        if (described == null || !constrained(described)) {
            return null;
        }
        Class<?>[] groups = groups(target, method);
        String[] labels = labels(method, parameters, body);
        ExecutableValidator executables = checking.forExecutables();
        return arguments -> {
            Set<ConstraintViolation<Object>> violations = executables.validateParameters(target, method, arguments, groups);
            if (!violations.isEmpty()) {
                throw new InvalidArgumentsException(violations, describe(violations, labels));
            }
        };
    }

    /**
     * Whether {@code validator} has a Bean Validation provider behind it. Spring's adapters set up
     * without one (Spring MVC's own validator, when the application has the API but no provider) are
     * beans all the same, and refuse every call: every controller would fail start-up, blamed.
     */
    private static boolean canValidate(Validator validator) {
        try {
            validator.unwrap(Validator.class);
            return true;
        } catch (IllegalStateException noProvider) {
            return false;
        } catch (RuntimeException unwrapNotSupported) {
            // A provider of its own that does not unwrap to the interface: it validates.
            return true;
        }
    }

    private static @Nullable MethodDescriptor describe(Validator validator, Object target, Method method) {
        return validator.getConstraintsForClass(target.getClass())
                .getConstraintsForMethod(method.getName(), method.getParameterTypes());
    }

    /**
     * A validator like the application's (its message interpolation, its constraint validators, which
     * may be beans) that lets a method add constraints to those of the method it overrides, built once,
     * when a controller needs it. Spring MVC never meets the rule, as it validates a {@code @Valid}
     * body on its own.
     */
    private synchronized Validator allowingOverrides(Validator validator, Method method, ConstraintDeclarationException refusal) {
        if (relaxed == null) {
            try {
                Configuration<?> configuration = Validation.byDefaultProvider().configure()
                        .addProperty(ALLOW_PARAMETER_CONSTRAINT_OVERRIDE, "true");
                if (validator instanceof ValidatorFactory factory) {
                    configuration.messageInterpolator(factory.getMessageInterpolator())
                            .constraintValidatorFactory(factory.getConstraintValidatorFactory())
                            .parameterNameProvider(factory.getParameterNameProvider())
                            .traversableResolver(factory.getTraversableResolver())
                            .clockProvider(factory.getClockProvider());
                }
                relaxed = configuration.buildValidatorFactory().getValidator();
            } catch (ValidationException e) {
                throw new IllegalStateException(method.getDeclaringClass().getName() + "." + method.getName()
                        + ": " + refusal.getMessage() + " (the validation provider cannot allow it: declare the "
                        + "constraints on the overridden method)", e);
            }
        }
        return relaxed;
    }

    /** Whether a parameter, or a type argument of one ({@code List<@Valid Item>}), is {@code @Valid} or constrained. */
    private static boolean asksForValidation(Method method) {
        for (int i = 0; i < method.getParameterCount(); i++) {
            if (asksForValidation(method.getParameterAnnotations()[i])
                    || asksForValidation(method.getAnnotatedParameterTypes()[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean asksForValidation(AnnotatedType type) {
        if (asksForValidation(type.getAnnotations())) {
            return true;
        }
        if (type instanceof AnnotatedParameterizedType parameterized) {
            for (AnnotatedType argument : parameterized.getAnnotatedActualTypeArguments()) {
                if (asksForValidation(argument)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean asksForValidation(Annotation[] annotations) {
        for (Annotation a : annotations) {
            if (a.annotationType() == Valid.class || a.annotationType().isAnnotationPresent(Constraint.class)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the parameters have constraints, {@code @Valid}, or either on their elements ({@code List<@Valid Item>}). */
    private static boolean constrained(MethodDescriptor described) {
        return described.hasConstrainedParameters() || described.getParameterDescriptors().stream()
                .anyMatch(parameter -> !parameter.getConstrainedContainerElementTypes().isEmpty());
    }

    /** The groups of {@code @Validated} on the method, else on the controller; none for the default group. */
    private static Class<?>[] groups(Object target, Method method) {
        Validated validated = AnnotationUtils.findAnnotation(method, Validated.class);
        if (validated == null) {
            validated = AnnotationUtils.findAnnotation(ClassUtils.getUserClass(target), Validated.class);
        }
        return validated == null ? new Class<?>[0] : validated.value();
    }

    /**
     * What each parameter is called in a violation: nothing for the body (its fields are the root),
     * the name of a query parameter or metadata key, else the Java name.
     */
    private static String[] labels(Method method, List<HandlerParameter> parameters, @Nullable HandlerParameter body) {
        String[] labels = new String[parameters.size()];
        for (HandlerParameter parameter : parameters) {
            QueryValue query = parameter.annotation(QueryValue.class);
            MetaValue meta = parameter.annotation(MetaValue.class);
            labels[parameter.index()] = parameter == body ? ""
                    : query != null ? query.value()
                    : meta != null ? meta.value()
                    : method.getParameters()[parameter.index()].getName();
        }
        return labels;
    }

    private static String describe(Set<ConstraintViolation<Object>> violations, String[] labels) {
        return violations.stream().map(v -> path(v.getPropertyPath(), labels) + ": " + v.getMessage())
                .sorted().collect(Collectors.joining("; "));
    }

    /** Such as {@code items[0].name} or {@code page}: the path below the method, from the parameter's label. */
    private static String path(Path path, String[] labels) {
        StringBuilder text = new StringBuilder();
        String root = "";
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD) {
                continue;
            }
            if (node.getKind() == ElementKind.PARAMETER) {
                root = node.getName();
                text.append(labels[node.as(Path.ParameterNode.class).getParameterIndex()]);
                continue;
            }
            if (node.isInIterable()) {
                text.append('[').append(node.getIndex() != null ? node.getIndex()
                        : node.getKey() != null ? node.getKey() : "").append(']');
            }
            if (node.getName() != null && node.getKind() != ElementKind.CONTAINER_ELEMENT
                    && node.getKind() != ElementKind.BEAN) {
                text.append(text.length() == 0 ? "" : ".").append(node.getName());
            }
        }
        // A constraint on the body itself (or on the arguments together) has no path below it.
        return text.length() == 0 ? root : text.toString();
    }
}
