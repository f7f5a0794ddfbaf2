package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import jakarta.validation.ConstraintViolation;

import java.util.Set;

/**
 * A handler's arguments broke their constraints (see {@link BeanValidationArguments}); thrown before
 * the handler runs, as Spring MVC's {@code MethodArgumentNotValidException} is. A
 * {@code @TeleportExceptionHandler} may map it to an error of the application's shape; unmapped,
 * the caller gets {@link #rerror()}: {@code 400} {@code Invalid Argument} naming each field as the
 * caller knows it. It is not a {@code ConstraintViolationException}, so that a handler for those
 * (thrown by the application's own {@code @Validated} services, a bug of this side) does not take
 * the caller's mistakes for its own.
 */
public class InvalidArgumentsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Not serialized: a violation holds the invalid objects themselves. */
    private final transient Set<ConstraintViolation<Object>> violations;

    /**
     * @param violations what was violated
     * @param description each violation as {@code path: message}, joined by {@code "; "}
     */
    public InvalidArgumentsException(Set<ConstraintViolation<Object>> violations, String description) {
        super(description, null, false, false);
        this.violations = Set.copyOf(violations);
    }

    /** The violations, with the paths and invalid values Bean Validation gives. */
    public Set<ConstraintViolation<Object>> violations() {
        return violations;
    }

    /** The error the caller gets when no exception handler maps this. */
    public Rerror rerror() {
        return new Rerror(BeanValidationArguments.CODE_INVALID, "Invalid Argument", getMessage());
    }
}
