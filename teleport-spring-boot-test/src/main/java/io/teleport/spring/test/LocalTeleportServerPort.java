package io.teleport.spring.test;

import org.springframework.beans.factory.annotation.Value;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The TCP port the peer listens on, for a test whose {@code teleport.server.listen-address} has port
 * 0, as Boot's {@code @LocalServerPort} is for the web server: the port is known only once the peer
 * listens, so inject it into a test's field or method parameter, not into a bean created before.
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Value("${local.teleport.server.port}")
public @interface LocalTeleportServerPort {
}
