package io.teleport.spring.handler;

import io.teleport.Peer;
import io.teleport.message.RerrorException;
import io.teleport.router.QueryValue;
import io.teleport.router.Route;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import jakarta.annotation.PostConstruct;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.validation.annotation.Validated;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which methods of a controller become routes, and how they are bound, as a Spring user writes and
 * proxies controllers: annotated methods, records, scoped and JDK proxies, annotations declared on an
 * interface, optional bodies and repeated query values.
 */
class ControllerDiscoveryTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    /** Methods with annotations of every kind. */
    @PullController
    public static class Annotated {
        @Validated
        public String validated(String s) {
            return s;
        }

        @Cacheable("prices")
        public int price(String sku) {
            return 3;
        }

        @PostConstruct
        public void init() {
        }

        @EventListener
        public void ready(ContextRefreshedEvent event) {
        }

        @Scheduled(fixedDelay = 60_000)
        public void tick() {
        }

        @jakarta.annotation.Resource(name = "name")
        public void setName(String name) {
        }

        @OnReady
        public void readyAgain(ContextRefreshedEvent event) {
        }

        @org.springframework.scheduling.annotation.Async
        public java.util.concurrent.CompletableFuture<String> later(String s) {
            return java.util.concurrent.CompletableFuture.completedFuture(s);
        }
    }

    /** An application's own listener annotation. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
    @EventListener
    public @interface OnReady {
    }

    @Test
    void annotatedMethodsAreRoutesUnlessTheAnnotationMakesThemSomethingElse() {
        runner.withBean("name", String.class, () -> "injected").withBean(Annotated.class)
                .run(ctx -> assertThat(ctx.getBean(Peer.class).pullRouter().routes())
                .extracting(Route::path).containsExactlyInAnyOrder("/annotated/validated", "/annotated/price",
                        "/annotated/later"));
    }

    /** Its component is a dependency, not a route. */
    @PullController
    public record Stock(Inventory inventory) {
        public int level(String sku) {
            return inventory.count;
        }
    }

    /** A dependency a record controller holds. */
    public static class Inventory {
        final int count = 7;
    }

    @Test
    void aRecordControllersComponentsAreNoRoutes() {
        runner.withBean(Inventory.class).withBean(Stock.class).run(ctx -> {
            assertThat(ctx.getBean(Peer.class).pullRouter().routes()).extracting(Route::path)
                    .containsExactly("/stock/level");
            LoopbackClient.withSession(ctx, s -> assertThat(s.pull("/stock/level", "a", int.class)).isEqualTo(7));
        });
    }

    /** A controller behind a scoped proxy, as {@code @RefreshScope} and {@code @RequestScope} ones are. */
    @PullController
    @Scope(value = "prototype", proxyMode = ScopedProxyMode.TARGET_CLASS)
    public static class Scoped {
        static final AtomicInteger CREATED = new AtomicInteger();

        /** Counts the targets the proxy made. */
        public Scoped() {
            CREATED.incrementAndGet();
        }

        public String who() {
            return "scoped";
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(Scoped.class)
    static class ScopedConfig {
    }

    @Test
    void aScopedProxyControllerIsRegisteredOnceAndCallsItsCurrentTarget() {
        runner.withUserConfiguration(ScopedConfig.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            int before = Scoped.CREATED.get();
            LoopbackClient.withSession(ctx, s -> {
                assertThat(s.pull("/scoped/who", null, String.class)).isEqualTo("scoped");
                assertThat(s.pull("/scoped/who", null, String.class)).isEqualTo("scoped");
            });
            assertThat(Scoped.CREATED.get() - before).as("a prototype target per call, through the proxy").isEqualTo(2);
        });
    }

    /** An ordinary interface, not an exchange. */
    public interface Greeter {
        String hello(String name, String lang);
    }

    /** Binds its query value on its own method, which a JDK proxy does not have. */
    @PullController
    public static class GreeterController implements Greeter {
        @Override
        public String hello(String name, @QueryValue("lang") String lang) {
            return lang + ":" + name;
        }
    }

    static final AtomicInteger ADVISED = new AtomicInteger();

    /** What an aspect makes with {@code spring.aop.proxy-target-class=false}. */
    @Configuration(proxyBeanMethods = false)
    static class JdkProxying {
        @Bean
        static BeanPostProcessor jdkProxies() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (!(bean instanceof Greeter)) {
                        return bean;
                    }
                    ProxyFactory factory = new ProxyFactory(bean);
                    factory.setProxyTargetClass(false);
                    factory.addInterface(Greeter.class);
                    factory.addAdvice((MethodInterceptor) invocation -> {
                        ADVISED.incrementAndGet();
                        return invocation.proceed();
                    });
                    return factory.getProxy();
                }
            };
        }
    }

    @Test
    void aJdkProxiedControllerKeepsItsOwnParameterAnnotationsAndItsAdvice() {
        runner.withUserConfiguration(JdkProxying.class).withBean(GreeterController.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            int before = ADVISED.get();
            LoopbackClient.withSession(ctx, s -> assertThat(s.pull("/greeter_controller/hello?lang=en", "ann",
                    String.class)).isEqualTo("en:ann"));
            assertThat(ADVISED.get() - before).isEqualTo(1);
        });
    }

    /** Declares the binding once, for its implementations. */
    public interface SearchContract {
        String search(@QueryValue("q") String query, String body);

        String day(@QueryValue("d") @org.springframework.format.annotation.DateTimeFormat(pattern = "dd.MM.yyyy")
                java.time.LocalDate day);
    }

    /** Overrides without repeating the annotation, as Spring MVC allows. */
    @PullController
    public static class Search implements SearchContract {
        @Override
        public String search(String query, String body) {
            return query + "/" + body;
        }

        @Override
        public String day(java.time.LocalDate day) {
            return day.toString();
        }

        public String maybe(Optional<String> body) {
            return body.orElse("none");
        }

        public List<Integer> ids(@QueryValue("id") List<Integer> ids) {
            return ids;
        }
    }

    @Test
    void anOverridingMethodIsBoundAsItsInterfaceDeclaresIt() {
        runner.withBean(Search.class).run(ctx -> LoopbackClient.withSession(ctx, s ->
                assertThat(s.pull("/search/search?q=a", "b", String.class) + " "
                        + s.pull("/search/day?d=24.12.2025", null, String.class)).isEqualTo("a/b 2025-12-24")));
    }

    @Test
    void anOptionalBodyIsEmptyWithoutABodyAndRepeatedQueryValuesAreAllBound() {
        runner.withBean(Search.class).run(ctx -> LoopbackClient.withSession(ctx, s -> {
            assertThat(s.pull("/search/maybe", null, String.class)).isEqualTo("none");
            assertThat(s.pull("/search/maybe", "x", String.class)).isEqualTo("x");
            assertThat(s.pull("/search/ids?id=1&id=2&id=3", null, int[].class)).containsExactly(1, 2, 3);
            assertThat(s.pull("/search/ids?id=4,5", null, int[].class)).containsExactly(4, 5);
            assertThatThrownBy(() -> s.pull("/search/ids?id=1&id=x", null, int[].class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                            .isEqualTo("query parameter \"id\": cannot convert \"1,x\" to List"));
        }));
    }
}
