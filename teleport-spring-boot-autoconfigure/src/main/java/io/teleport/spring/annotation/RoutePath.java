package io.teleport.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Overrides the route of one handler method: the path replaces {@code <class>/<method>}, inside the
 * controller's group.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface RoutePath {

    /** The path, such as {@code /math/add}. */
    String value();
}
