package io.teleport.spring.annotation;

import io.teleport.plugin.Plugin;
import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean's public methods push routes, named the Teleport way: class {@code Push} and method
 * {@code test} give {@code /push/test}.
 *
 * <p>A handler method takes at most one body parameter plus any of the
 * {@link io.teleport.router.PushContext}, the {@link io.teleport.session.Session},
 * {@link io.teleport.router.MetaValue} and {@link io.teleport.router.QueryValue} parameters (any type
 * the application's {@code ConversionService} converts text to); it returns {@code void} (or a
 * {@link java.util.concurrent.CompletableFuture}); what it throws is logged, as a push has no reply:
 * {@link io.teleport.message.RerrorException} or any other exception.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface PushController {

    /** The group prefix of the routes, such as {@code group}; none by default. */
    @AliasFor("group")
    String value() default "";

    /** The group prefix of the routes; none by default. */
    @AliasFor("value")
    String group() default "";

    /**
     * Plugin beans of these types apply to this controller's routes only, after the peer's plugins;
     * they do not join the peer's chain.
     */
    Class<? extends Plugin>[] plugins() default {};
}
