package io.teleport.spring.handler;

import io.teleport.message.RerrorException;
import io.teleport.router.MetaValue;
import io.teleport.router.PushContext;
import io.teleport.router.QueryValue;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.diagnostics.TeleportControllerException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.format.annotation.DateTimeFormat;

import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Controller beans bound by core's engine with the Spring module's conversion, called over
 * loopback; handlers that cannot work fail start-up.
 */
class ControllerBindingTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    /** Converted query and metadata values, and primitive bodies. */
    @PullController
    public static class Pages {
        /** What was bound. */
        public String page(@QueryValue("page") int page, @QueryValue("size") Integer size,
                @MetaValue("since") @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) LocalDate since,
                @QueryValue("name") String name) {
            return page + " " + size + " " + since + " " + name;
        }

        /** n + 1. */
        public int inc(int n) {
            return n + 1;
        }
    }

    /** A push handler with a primitive body and a converted metadata value. */
    @PushController
    public static class Counter {
        static final BlockingQueue<Long> RECEIVED = new LinkedBlockingQueue<>();

        /** Records n times the factor. */
        public void add(int n, @MetaValue("times") long times) {
            RECEIVED.add(n * times);
        }
    }

    @Test
    void queryAndMetaValuesAreConvertedToTheParameterType() {
        runner.withBean(Pages.class).run(ctx -> withSession(ctx, session -> {
            assertThat(session.pull("/pages/page?page=3&size=10&name=x", null, String.class, setMeta("since", "2024-05-01")))
                    .isEqualTo("3 10 2024-05-01 x");
            assertThat(session.pull("/pages/page", null, String.class))
                    .as("absent: null, or the zero for a primitive").isEqualTo("0 null null null");
            assertThatThrownBy(() -> session.pull("/pages/page?page=three", null, String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.rerror().detail()).isEqualTo("query parameter \"page\": cannot convert \"three\" to int");
                    });
        }));
    }

    @Test
    void primitiveBodiesAndReturns() {
        runner.withBean(Pages.class).withBean(Counter.class).run(ctx -> withSession(ctx, session -> {
            int incremented = session.pull("/pages/inc", 41, int.class);
            assertThat(incremented).isEqualTo(42);
            assertThat(session.pull("/pages/inc", null, int.class)).isEqualTo(1);
            session.push("/counter/add", 21, setMeta("times", "2")).join();
            session.push("/counter/add", null).join();
            try {
                assertThat(List.of(Counter.RECEIVED.poll(5, TimeUnit.SECONDS), Counter.RECEIVED.poll(5, TimeUnit.SECONDS)))
                        .containsExactlyInAnyOrder(42L, 0L);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }));
    }

    /** Two body parameters. */
    @PullController
    public static class TwoBodies {
        /** Not a handler. */
        public String both(String a, String b) {
            return a + b;
        }
    }

    /** A record no converter makes from text (one with a single String component would be). */
    public record Range(int from, int to) {
    }

    /** A query value nothing converts to. */
    @PullController
    public static class Unconvertible {
        /** Not a handler. */
        public String who(@QueryValue("range") Range range) {
            return range.toString();
        }
    }

    /** A push context in a pull controller. */
    @PullController
    public static class WrongContext {
        /** Not a pull handler. */
        public String hello(String in, PushContext ctx) {
            return in;
        }
    }

    @Test
    void handlersThatCannotWorkFailStartUpNamingTheMethod() {
        assertFailsStartUp(TwoBodies.class, "TwoBodies.both(String, String): more than one body parameter");
        assertFailsStartUp(Unconvertible.class,
                "Unconvertible.who(Range): parameter 0 (@QueryValue Range range) is bound from the query parameter "
                        + "\"range\", but the ConversionService converts no String to " + Range.class.getName()
                        + ": register a Converter<String, Range>");
        assertFailsStartUp(WrongContext.class,
                "WrongContext.hello(String, PushContext): no argument resolver supports parameter 1 (PushContext ctx)");
    }

    private void assertFailsStartUp(Class<?> controller, String message) {
        runner.withBean(controller).run(ctx -> assertThat(ctx).getFailure()
                .isInstanceOf(TeleportControllerException.class).hasMessageContaining("): " + message)
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message));
    }
}
