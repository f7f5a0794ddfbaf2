package io.teleport.router;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Binds a handler parameter to the first value of a URI query parameter, as
 * {@link MessageContext#queryValue} reads it: {@code null} when absent (the zero for a primitive).
 * Core binds {@code String} parameters; the Spring module converts the value to any type its
 * {@code ConversionService} can, and answers a value that does not convert with 400.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface QueryValue {

    /** The query parameter name. */
    String value();
}
