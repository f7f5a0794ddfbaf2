package io.teleport.spring.annotation;

import org.springframework.stereotype.Component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean whose {@link TeleportExceptionHandler} methods turn the exceptions of every
 * {@link PullController} and {@link PushController} handler into the errors their callers get: the
 * Teleport counterpart of Spring MVC's {@code @ControllerAdvice}, kept apart from it so that an
 * application that is also a web application never has MVC pick a Teleport handler for an HTTP
 * request (or the reverse), and so that the starter needs no {@code spring-web}.
 *
 * <p>Several advice beans are asked in {@code @Order} ({@code Ordered}); the first with a method for
 * the exception (or, failing that, one of its causes) answers.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface TeleportControllerAdvice {
}
