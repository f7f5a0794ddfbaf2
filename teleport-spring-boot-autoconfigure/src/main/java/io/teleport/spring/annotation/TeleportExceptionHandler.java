package io.teleport.spring.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Maps exceptions thrown by Teleport handlers to the {@link io.teleport.message.Rerror} their
 * caller gets, like Spring MVC's {@code @ExceptionHandler}: on a method of a
 * {@link TeleportControllerAdvice} bean, the most specific exception type wins. A mapped exception
 * is an answer the application chose, so it is logged in one DEBUG line, without a stack.
 *
 * <p>The method takes the exception (a parameter of a mapped type, or of a supertype of all of
 * them) and, in any order, the {@link io.teleport.router.MessageContext} (or {@code PullContext},
 * {@code PushContext}) and the {@link io.teleport.session.Session}. It returns the {@code Rerror},
 * or throws a {@link io.teleport.message.RerrorException} carrying it; returning {@code null} leaves
 * the exception to later advice beans and then to the default {@code 500}.
 *
 * <pre>{@code
 * @TeleportControllerAdvice
 * class ShopErrors {
 *     @TeleportExceptionHandler
 *     Rerror outOfStock(OutOfStockException e) {
 *         return new Rerror(1409, "Out Of Stock", e.sku());
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TeleportExceptionHandler {

    /** The exception types this method maps; by default the type of its exception parameter. */
    Class<? extends Throwable>[] value() default {};
}
