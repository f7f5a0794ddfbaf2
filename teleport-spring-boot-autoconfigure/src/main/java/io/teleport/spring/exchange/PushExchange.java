package io.teleport.spring.exchange;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a {@link TeleportExchange} interface as a push: the client sends the body and
 * gets no reply, so the method returns {@code void} (waiting until the frame is written) or
 * {@code CompletableFuture<Void>}; a controller implementing the interface serves it as a push route.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PushExchange {

    /** The route's name inside the interface's path; by default the method name in snake case. */
    String value() default "";
}
