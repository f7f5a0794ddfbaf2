package io.teleport.spring.exchange;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a {@link TeleportExchange} interface as a pull, which every method without
 * {@link PushExchange} already is: written to rename the route or to give its pulls their own
 * timeout, as {@code @GetExchange} refines an {@code @HttpExchange} method.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PullExchange {

    /**
     * The route's name inside the interface's path, such as {@code by_sku}; by default the method
     * name in snake case.
     */
    String value() default "";

    /**
     * How long the pull waits for its reply, as Boot writes durations ({@code 2s}, {@code 500ms},
     * {@code PT2S}); by default the remote's {@code pull-timeout}. A {@code CallOption} argument
     * still overrides it.
     */
    String timeout() default "";

    /**
     * Whether the route may run twice for one call (a read, or a write keyed by the caller), so that a
     * remote named by {@code service-id} tries the pull again on another instance even when the
     * connection broke after it was written; see {@code RetryPolicy}. Calls that never reached a
     * handler are tried again either way.
     */
    boolean idempotent() default false;
}
