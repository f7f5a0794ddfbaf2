package io.teleport.spring.handler;

import ch.qos.logback.classic.Level;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.PullContext;
import io.teleport.session.Session;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.annotation.TeleportControllerAdvice;
import io.teleport.spring.annotation.TeleportExceptionHandler;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.testing.LogCapture;
import io.teleport.testing.PullFailures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.annotation.Order;

import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @TeleportExceptionHandler} methods of {@code @TeleportControllerAdvice} beans map handler
 * exceptions to the caller's error the way Spring MVC's {@code @ExceptionHandler} does: advice beans
 * in order, the most specific type within one, causes when the exception itself is not mapped;
 * unmapped exceptions are a bare 500 unless {@code teleport.error.include-message=always}.
 */
class TeleportExceptionHandlerTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
            .withBean(Shop.class).withBean(Feed.class).withBean(ShopErrors.class).withBean(FallbackErrors.class);

    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.internal.session.InboundContext", null);

    /** The application's exceptions: a family and a member. */
    static class InventoryException extends RuntimeException {
        InventoryException(String message) {
            super(message);
        }
    }

    /** The most specific one. */
    static final class OutOfStockException extends InventoryException {
        final String sku;

        OutOfStockException(String sku) {
            super("no " + sku + " left in warehouse db-7");
            this.sku = sku;
        }
    }

    /** Mapped only for pulls: its advice method takes a PullContext. */
    static final class PullOnlyException extends RuntimeException {
        PullOnlyException() {
            super("mapped for pulls only");
        }
    }

    /** Pushes that fail. */
    @PushController
    public static class Feed {
        /** With an exception mapped for pulls only. */
        public void single(String sku) {
            throw new PullOnlyException();
        }
    }

    /** A controller whose handlers fail in every way. */
    @PullController
    public static class Shop {
        /** Out of stock. */
        public String buy(String sku) {
            throw new OutOfStockException(sku);
        }

        /** Another inventory failure. */
        public String count(String sku) {
            throw new InventoryException("count of " + sku + " unknown");
        }

        /** A mapped exception as the cause of an unmapped one. */
        public String wrapped(String sku) {
            throw new IllegalStateException("retry failed", new OutOfStockException(sku));
        }

        /** A bug. */
        public String crash(String sku) {
            throw new IllegalStateException("connection to 10.0.0.7:5432 refused");
        }

        /** Bad input, mapped by the second advice. */
        public String parse(String sku) {
            throw new IllegalArgumentException("not a sku: " + sku);
        }

        /** With an exception mapped for pulls only. */
        public String single(String sku) {
            throw new PullOnlyException();
        }

        /** Go's (result, *Rerror). */
        public Rerror refuse(String sku) {
            return new Rerror(1403, "Forbidden", sku);
        }
    }

    /** Asked first. */
    @TeleportControllerAdvice
    @Order(1)
    public static class ShopErrors {
        /** The family. */
        @TeleportExceptionHandler
        Rerror inventory(InventoryException e) {
            return new Rerror(1500, "Inventory", "");
        }

        /** For pulls only, as its PullContext says. */
        @TeleportExceptionHandler
        Rerror pullOnly(PullOnlyException e, PullContext ctx) {
            return new Rerror(1422, "Pull Only", ctx.path());
        }

        /** The most specific wins. */
        @TeleportExceptionHandler
        Rerror outOfStock(PullContext ctx, OutOfStockException e, Session session) {
            return new Rerror(1409, "Out Of Stock", e.sku + " at " + ctx.path() + (session != null ? "" : "?"));
        }
    }

    /** Asked second. */
    @TeleportControllerAdvice
    @Order(2)
    public static class FallbackErrors {
        /** Never reached for the shop's exceptions: the first advice has them. */
        @TeleportExceptionHandler(OutOfStockException.class)
        Rerror shadowed(RuntimeException e) {
            return new Rerror(1, "shadowed", "");
        }

        /** Thrown rather than returned. */
        @TeleportExceptionHandler(IllegalArgumentException.class)
        Rerror badInput(IllegalArgumentException e) {
            throw new RerrorException(400, "Bad Request", e.getMessage());
        }

        /** Null: not mapped after all. */
        @TeleportExceptionHandler
        Rerror maybe(IllegalStateException e) {
            return null;
        }
    }

    private static Rerror failure(Session session, String uri) {
        return PullFailures.of(session, uri, "sku-1");
    }

    private long warnings() {
        return log.events(Level.WARN).size();
    }

    @Test
    void adviceMapsTheMostSpecificTypeInOrderWithoutAStackTrace() {
        runner.run(ctx -> withSession(ctx, session -> {
            assertThat(failure(session, "/shop/buy")).isEqualTo(new Rerror(1409, "Out Of Stock", "sku-1 at /shop/buy"));
            assertThat(failure(session, "/shop/count")).isEqualTo(new Rerror(1500, "Inventory", ""));
            assertThat(failure(session, "/shop/wrapped")).as("by its cause")
                    .isEqualTo(new Rerror(1409, "Out Of Stock", "sku-1 at /shop/wrapped"));
            assertThat(failure(session, "/shop/parse")).isEqualTo(new Rerror(400, "Bad Request", "not a sku: sku-1"));
            assertThat(failure(session, "/shop/refuse")).as("a returned Rerror is an error reply")
                    .isEqualTo(new Rerror(1403, "Forbidden", "sku-1"));
            assertThat(warnings()).as("expected errors log no stack").isZero();
        }));
    }

    @Test
    void aMethodTakingAPullContextMapsOnlyPulls() {
        runner.run(ctx -> withSession(ctx, session -> {
            assertThat(failure(session, "/shop/single")).isEqualTo(new Rerror(1422, "Pull Only", "/shop/single"));
            assertThat(warnings()).isZero();
            session.push("/feed/single", "sku-1").join();
            // Not an answer for a push: a bug there, logged with its stack.
            await().untilAsserted(() -> assertThat(warnings()).isEqualTo(1));
        }));
    }

    @Test
    void unmappedExceptionsAreABare500UnlessMessagesAreIncluded() {
        runner.run(ctx -> withSession(ctx, session -> {
            assertThat(failure(session, "/shop/crash")).isEqualTo(new Rerror(500, "Internal Server Error", ""));
            assertThat(warnings()).as("a bug logs its stack once").isEqualTo(1);
        }));
        runner.withPropertyValues("teleport.error.include-message=always").run(ctx -> withSession(ctx, session ->
                assertThat(failure(session, "/shop/crash"))
                        .isEqualTo(new Rerror(500, "Internal Server Error", "connection to 10.0.0.7:5432 refused"))));
    }

    /** A method that cannot work. */
    @TeleportControllerAdvice
    public static class BadAdvice {
        /** Returns text. */
        @TeleportExceptionHandler
        String text(RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Maps a type its parameter cannot take: each DateTimeException would fail the call with a 500. */
    @TeleportControllerAdvice
    public static class NarrowParameterAdvice {
        /** IllegalArgumentException and DateTimeException share no type below RuntimeException. */
        @TeleportExceptionHandler({IllegalArgumentException.class, java.time.DateTimeException.class})
        Rerror badInput(IllegalArgumentException e) {
            return new Rerror(400, "Bad Request", e.getMessage());
        }
    }

    /** An exception handler where it would be a route. */
    @PullController
    public static class LocalHandler {
        /** A route. */
        public String ok(String in) {
            return in;
        }

        /** Not a route. */
        @TeleportExceptionHandler
        public Rerror oops(RuntimeException e) {
            return null;
        }
    }

    /** As an advice bean's handler would be written: package-private, so never a route, and never run here. */
    @PullController
    public static class LocalPackagePrivateHandler {
        /** A route. */
        public String ok(String in) {
            return in;
        }

        @TeleportExceptionHandler
        Rerror oops(RuntimeException e) {
            return null;
        }
    }

    @Test
    void handlersThatCannotWorkFailStartUp() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(BadAdvice.class)
                .run(ctx -> {
                    assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure())).hasMessageContaining(
                            "@TeleportExceptionHandler " + BadAdvice.class.getName() + ".text returns java.lang.String");
                    // Named as a bad controller is, for Boot's failure analysis rather than a stack to read.
                    assertThat(ctx.getStartupFailure()).hasStackTraceContaining(
                            io.teleport.spring.diagnostics.TeleportControllerException.class.getName()
                                    + ": Teleport controller advice '");
                });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(LocalHandler.class)
                .run(ctx -> assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                        .hasMessageContaining("move it to a @TeleportControllerAdvice bean"));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(LocalPackagePrivateHandler.class)
                .run(ctx -> assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                        .hasMessageContaining(LocalPackagePrivateHandler.class.getName() + ".oops")
                        .hasMessageContaining("move it to a @TeleportControllerAdvice bean"));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
                .withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(NarrowParameterAdvice.class)
                .run(ctx -> assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                        .hasMessageContaining(NarrowParameterAdvice.class.getName() + ".badInput maps "
                                + "java.time.DateTimeException, which its parameter java.lang.IllegalArgumentException"));
    }
}
