package io.teleport.spring.test;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The auto-configurations a {@link TeleportTest} starts, and no others: Teleport's own (the peer,
 * controllers, plugins, codecs, metrics when a registry exists), property binding, SSL bundles,
 * validation, a simple meter registry and observations when their modules are present. The list is
 * {@code META-INF/spring/io.teleport.spring.test.AutoConfigureTeleport.imports}, as Boot's slices
 * keep theirs, so that the slice is one file to read.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
public @interface AutoConfigureTeleport {
}
