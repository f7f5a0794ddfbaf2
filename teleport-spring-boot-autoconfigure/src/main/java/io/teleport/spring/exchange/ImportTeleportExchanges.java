package io.teleport.spring.exchange;

import org.springframework.context.annotation.Import;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Registers a client proxy bean for each {@link TeleportExchange} interface listed or found in the
 * packages named, as Boot's {@code @ImportHttpServices} does for HTTP service interfaces: inject the
 * interface and call it. Each proxy calls through its remote's {@code SessionTemplate}, so the
 * remote's connect mode, redial, pull timeout, codec and meters apply to it.
 *
 * <pre>{@code
 * @SpringBootApplication
 * @ImportTeleportExchanges(StockApi.class)
 * class ShopApp { }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Repeatable(ImportTeleportExchanges.Container.class)
@Import(TeleportExchangesRegistrar.class)
public @interface ImportTeleportExchanges {

    /** The interfaces, each annotated with {@link TeleportExchange}. */
    Class<?>[] value() default {};

    /** Packages scanned, with their sub-packages, for interfaces annotated with {@link TeleportExchange}. */
    String[] basePackages() default {};

    /** Type-safe form of {@link #basePackages()}: the packages of these classes. */
    Class<?>[] basePackageClasses() default {};

    /**
     * The remote (a name under {@code teleport.clients}) of the interfaces imported here that name
     * none themselves; by default the {@code teleport.client} remote.
     */
    String remote() default "";

    /**
     * Whether each proxy is the primary bean of its interface, as Spring Cloud OpenFeign's clients are
     * by default: code that injects the interface then calls the remote even where the application
     * also serves it (a controller implementing it). {@code false} where the application declares its
     * own {@code @Primary} bean of the interface, such as a test stub or a caching decorator.
     */
    boolean primary() default true;

    /** Several imports on one class, such as one per remote. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @Documented
    @Import(TeleportExchangesRegistrar.class)
    @interface Container {

        /** The imports. */
        ImportTeleportExchanges[] value();
    }
}
