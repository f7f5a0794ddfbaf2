package io.teleport.spring.test;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.filter.annotation.TypeExcludeFilters;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.BootstrapWith;
import org.springframework.test.context.junit.jupiter.SpringExtension;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test of an application's Teleport side only, as {@code @WebMvcTest} is of its MVC side: the
 * application's {@code @PullController} and {@code @PushController} beans, controller advice,
 * plugins, codecs, filters and protocols, and the peer, on the in-JVM {@code local} network, so that
 * the test opens no socket and needs no port. Other beans (services, repositories) are not created:
 * give the controllers what they need with {@code @MockitoBean} or an {@code @Import}.
 *
 * <p>The context has a {@link TeleportTestClient} connected to the peer, and {@link TeleportMeters}
 * when Micrometer is present. The peer listens on {@code local:teleport-test-<uuid>}; to test over
 * TCP instead, set {@code teleport.network=tcp} and {@code teleport.server.listen-address=127.0.0.1:0}
 * in {@link #properties()}. The application's remotes are dialed at start-up only when their
 * {@code connect} is explicitly {@code eager} (they are rarely on the local network), else on first use.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@BootstrapWith(TeleportTestContextBootstrapper.class)
@ExtendWith(SpringExtension.class)
@TypeExcludeFilters(TeleportTypeExcludeFilter.class)
@AutoConfigureTeleport
@AutoConfigureTeleportTestClient
public @interface TeleportTest {

    /**
     * Properties ({@code key=value}) added to the environment before the context starts; they take
     * precedence over the slice's own ({@code teleport.network=local}, a local listen address, and no
     * TLS: {@code teleport.ssl.bundle} empty, {@code teleport.ssl.client-auth=none}; a test that turns
     * TLS back on sets both, and brings a client that does TLS).
     */
    String[] properties() default {};

    /** The controllers to start, every one found when empty. */
    @AliasFor("value")
    Class<?>[] controllers() default {};

    /** Alias of {@link #controllers()}. */
    @AliasFor("controllers")
    Class<?>[] value() default {};

    /**
     * Whether the slice's own includes apply (Teleport controllers, advice, plugins, codecs and the
     * other Teleport SPI beans); without them only {@link #includeFilters()} are found.
     */
    boolean useDefaultFilters() default true;

    /** More components to find in the application's packages. */
    ComponentScan.Filter[] includeFilters() default {};

    /** Components that would be found, not to create. */
    ComponentScan.Filter[] excludeFilters() default {};
}
