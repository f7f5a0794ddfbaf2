package io.teleport.plugins;

import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadPullBody;
import io.teleport.plugin.PostReadPushBody;
import io.teleport.plugin.ReadContext;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.jspecify.annotations.Nullable;

import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates decoded handler arguments with Jakarta Bean Validation before the handler runs: a pull
 * whose body violates its constraints is answered with an error naming each field and reason, and
 * such a push is dropped. Needs a Bean Validation provider such as Hibernate Validator.
 */
public final class ValidationPlugin implements PostReadPullBody, PostReadPushBody {

    /** The default error code of a violation. */
    public static final int CODE_INVALID = 400;

    private final Validator validator;
    private final int code;

    /** Validates with {@code validator}; violations reply with code 400. */
    public ValidationPlugin(Validator validator) {
        this(validator, CODE_INVALID);
    }

    /** Validates with {@code validator}; violations reply with {@code code}. */
    public ValidationPlugin(Validator validator, int code) {
        this.validator = Objects.requireNonNull(validator, "validator");
        this.code = code;
    }

    @Override
    public String name() {
        return "validation";
    }

    @Override
    public @Nullable Rerror postReadPullBody(ReadContext ctx) {
        return validate(ctx.body());
    }

    @Override
    public @Nullable Rerror postReadPushBody(ReadContext ctx) {
        return validate(ctx.body());
    }

    private @Nullable Rerror validate(@Nullable Object body) {
        if (body == null || body.getClass().getName().startsWith("java.")) {
            return null;
        }
        Set<ConstraintViolation<Object>> violations = validator.validate(body);
        if (violations.isEmpty()) {
            return null;
        }
        String detail = violations.stream()
                .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                .map(v -> v.getPropertyPath() + ": " + v.getMessage())
                .collect(Collectors.joining("; "));
        return new Rerror(code, "Invalid Argument", detail);
    }
}
