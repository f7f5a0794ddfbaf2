package io.teleport.message;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * An exception that carries a {@link Rerror}.
 *
 * <p>Pulls fail with it; handlers throw it to answer a pull with that error.
 */
public class RerrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Rerror rerror;

    /** Wraps an error. */
    public RerrorException(Rerror rerror) {
        this(rerror, null);
    }

    /** Wraps an error and keeps its local cause. */
    public RerrorException(Rerror rerror, @Nullable Throwable cause) {
        super(Objects.requireNonNull(rerror, "rerror").toJson(), cause);
        this.rerror = rerror;
    }

    /** Creates the error from a code, message and detail. */
    public RerrorException(int code, @Nullable String message, @Nullable String detail) {
        this(new Rerror(code, message, detail));
    }

    /** The error. */
    public Rerror rerror() {
        return rerror;
    }

    /** Shortcut for {@code rerror().code()}. */
    public int code() {
        return rerror.code();
    }
}
