package io.teleport.router;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps a public method of a controller from being a route. As in Go Teleport, where every exported
 * method of a registered controller is a handler, every public method is a route, helpers included,
 * and so callable by any peer: a public method that is not meant for the network carries this, on it
 * or on the method it overrides. {@link Router#register} and the Spring module's controllers honour it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface NotRoute {
}
