package io.teleport.spring.test;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Adds a {@link TeleportTestClient} bean (and {@link TeleportMeters} when there is a meter
 * registry) to any test context with a listening peer: {@link TeleportTest} has it, and a full
 * {@code @SpringBootTest} may carry it, as {@code @AutoConfigureMockMvc} does for MVC.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureTeleportTestClient {
}
