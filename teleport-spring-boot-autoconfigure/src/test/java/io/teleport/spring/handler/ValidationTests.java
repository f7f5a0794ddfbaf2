package io.teleport.spring.handler;

import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.MetaValue;
import io.teleport.router.QueryValue;
import io.teleport.router.binding.HandlerArgumentValidator;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.annotation.TeleportControllerAdvice;
import io.teleport.spring.annotation.TeleportExceptionHandler;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.annotation.Validated;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;
import org.springframework.validation.beanvalidation.MethodValidationPostProcessor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.spring.handler.LoopbackClient.withSession;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * With a {@code Validator} bean (Boot makes one when Hibernate Validator is present), handler
 * arguments are validated before the handler runs, and a violation is a 400 naming the fields.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
class ValidationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class))
            .withPropertyValues("teleport.server.listen-address=127.0.0.1:0");

    /** Boot's validator, but without an expression language implementation (as Boot falls back to). */
    private final ApplicationContextRunner validating = runner.withBean("defaultValidator", LocalValidatorFactoryBean.class,
            () -> {
                LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
                validator.setMessageInterpolator(new ParameterMessageInterpolator());
                return validator;
            });

    /** A line of an order. */
    public record Item(@NotBlank String name, @Min(1) int quantity) {
    }

    /** An order. */
    public record Order(@NotBlank String customer, List<@Valid Item> items) {
    }

    /** Handlers with constraints of every kind. */
    @PullController
    public static class Orders {
        /** A body validated when @Valid. */
        public String place(@Valid Order order) {
            return "placed " + order.items().size();
        }

        /** A body not marked @Valid is not validated, as in Spring MVC. */
        public String draft(Order order) {
            return "drafted";
        }

        /** Constraints on query and metadata values. */
        public String page(@QueryValue("page") @Min(1) int page, @MetaValue("user") @NotBlank String user) {
            return user + " " + page;
        }

        /** A body whose elements are validated. */
        public int count(List<@Valid Item> items) {
            return items.size();
        }
    }

    /** Advice that answers violations in the application's own shape. */
    @TeleportControllerAdvice
    public static class Reshaping {
        @TeleportExceptionHandler
        Rerror invalid(InvalidArgumentsException e) {
            return new Rerror(422, "Unprocessable", e.violations().size() + " violations");
        }
    }

    /** Advice for other exceptions only: a violation stays a 400. */
    @TeleportControllerAdvice
    public static class Unrelated {
        @TeleportExceptionHandler
        @org.jspecify.annotations.Nullable Rerror any(RuntimeException e) {
            return null;
        }
    }

    /** A push handler with a validated body. */
    @PushController
    public static class Inbox {
        final List<Item> got = new CopyOnWriteArrayList<>();

        public void drop(@Valid Item item) {
            got.add(item);
        }
    }

    /** Groups of @Validated, on a controller that Spring's method validation proxies. */
    public interface Strict {
    }

    /** A controller validated in the {@link Strict} group. */
    @PullController
    @Validated(Strict.class)
    public static class Checked {
        /** Only the Strict constraint applies. */
        public int at(@QueryValue("n") @Min(value = 10, groups = Strict.class) @Min(1000) int n) {
            return n;
        }
    }

    /** A contract without constraints, shared with clients that have no jakarta.validation. */
    public interface OrderContract {
        String place(Order order);

        int count(List<Item> items);

        int page(int page);
    }

    /** Asks for validation where it implements the contract, as a @RestController implementing an interface may. */
    @PullController
    public static class ContractOrders implements OrderContract {
        @Override
        public String place(@Valid Order order) {
            return "placed " + order.items().size();
        }

        @Override
        public int count(List<@Valid Item> items) {
            return items.size();
        }

        @Override
        public int page(int page) {
            return page;
        }
    }

    /** A contract that constrains a value itself, shared with clients. */
    public interface NoteContract {
        String put(Item item, @QueryValue("n") @Min(1) int n);
    }

    /** Adds @Valid to the contract's method, and has a constrained method of its own besides. */
    @PullController
    public static class Notes implements NoteContract {
        @Override
        public String put(@Valid Item item, int n) {
            return item.name() + " x" + n;
        }

        public int page(@QueryValue("page") @Min(1) int page) {
            return page;
        }
    }

    @Test
    void validOnAMethodThatImplementsAnInterfaceValidatesThatArgument() {
        validating.withBean(ContractOrders.class).run(ctx -> withSession(ctx, session -> {
            Map<String, Object> bad = Map.of("customer", " ", "items", List.of(Map.of("name", "", "quantity", 2)));
            assertInvalid(() -> session.pull("/contract_orders/place", bad, String.class),
                    "customer: must not be blank; items[0].name: must not be blank");
            assertInvalid(() -> session.pull("/contract_orders/count", List.of(Map.of("name", "a", "quantity", 1),
                    Map.of("name", "b", "quantity", 0)), int.class), "[1].quantity: must be greater than or equal to 1");
            Map<String, Object> good = Map.of("customer", "ann", "items", List.of(Map.of("name", "pen", "quantity", 1)));
            assertThat(session.pull("/contract_orders/place", good, String.class)).isEqualTo("placed 1");
        }));
        validating.withBean(Notes.class).run(ctx -> withSession(ctx, session -> {
            assertInvalid(() -> session.pull("/notes/put?n=2", Map.of("name", "", "quantity", 1), String.class),
                    "name: must not be blank");
            assertInvalid(() -> session.pull("/notes/put?n=0", Map.of("name", "pen", "quantity", 1), String.class),
                    "n: must be greater than or equal to 1");
            assertInvalid(() -> session.pull("/notes/page?page=0", null, int.class),
                    "page: must be greater than or equal to 1");
            assertThat(session.pull("/notes/put?n=2", Map.of("name", "pen", "quantity", 1), String.class))
                    .isEqualTo("pen x2");
        }));
    }

    @Test
    void aViolatedBodyIsA400WithFieldPaths() {
        validating.withBean(Orders.class).run(ctx -> withSession(ctx, session -> {
            Map<String, Object> bad = Map.of("customer", " ", "items", List.of(Map.of("name", "", "quantity", 2),
                    Map.of("name", "pen", "quantity", 0)));
            assertInvalid(() -> session.pull("/orders/place", bad, String.class),
                    "customer: must not be blank; items[0].name: must not be blank; items[1].quantity: must be greater "
                            + "than or equal to 1");
            Map<String, Object> good = Map.of("customer", "ann", "items", List.of(Map.of("name", "pen", "quantity", 1)));
            assertThat(session.pull("/orders/place", good, String.class)).isEqualTo("placed 1");
            assertThat(session.pull("/orders/draft", bad, String.class)).isEqualTo("drafted");
        }));
    }

    @Test
    void parameterAndContainerElementConstraintsAreChecked() {
        validating.withBean(Orders.class).run(ctx -> withSession(ctx, session -> {
            assertInvalid(() -> session.pull("/orders/page?page=0", null, String.class, setMeta("user", "")),
                    "page: must be greater than or equal to 1; user: must not be blank");
            assertInvalid(() -> session.pull("/orders/page", null, String.class, setMeta("user", "ann")),
                    "page: must be greater than or equal to 1");
            assertThat(session.pull("/orders/page?page=2", null, String.class, setMeta("user", "ann"))).isEqualTo("ann 2");
            assertInvalid(() -> session.pull("/orders/count", List.of(Map.of("name", "a", "quantity", 1),
                    Map.of("name", "", "quantity", 1)), int.class), "[1].name: must not be blank");
        }));
    }

    /** Spring's method validation of {@code @Validated} beans, with the application's validator, as Boot sets it up. */
    @Configuration(proxyBeanMethods = false)
    static class MethodValidation {
        @Bean
        static MethodValidationPostProcessor methodValidationPostProcessor(ObjectProvider<Validator> validator) {
            MethodValidationPostProcessor processor = new MethodValidationPostProcessor();
            processor.setValidatorProvider(validator);
            return processor;
        }
    }

    @Test
    void theGroupsOfValidatedAreHonouredAndAViolationIsNotA500() {
        validating.withUserConfiguration(MethodValidation.class).withBean(Checked.class)
                .run(ctx -> withSession(ctx, session -> {
                    assertInvalid(() -> session.pull("/checked/at?n=5", null, int.class),
                            "n: must be greater than or equal to 10");
                    int n = session.pull("/checked/at?n=12", null, int.class);
                    assertThat(n).as("the default group's @Min(1000) does not apply").isEqualTo(12);
                }));
    }

    @Test
    void anExceptionHandlerMayReshapeAViolationAndOneThatDeclinesLeavesThe400() {
        validating.withBean(Orders.class).withBean(Reshaping.class).run(ctx -> withSession(ctx, session ->
                assertThatThrownBy(() -> session.pull("/orders/page?page=0", null, String.class, setMeta("user", "")))
                        .isInstanceOfSatisfying(RerrorException.class, e ->
                                assertThat(e.rerror()).isEqualTo(new Rerror(422, "Unprocessable", "2 violations")))));
        validating.withBean(Orders.class).withBean(Unrelated.class).run(ctx -> withSession(ctx, session ->
                assertInvalid(() -> session.pull("/orders/page?page=2", null, String.class, setMeta("user", " ")),
                        "user: must not be blank")));
    }

    @Test
    void anInvalidPushIsDroppedAndTheBoundedWarnLineSaysWhy(CapturedOutput output) {
        validating.withBean(Inbox.class).run(ctx -> withSession(ctx, session -> {
            session.push("/inbox/drop", Map.of("name", "", "quantity", 1)).join();
            session.push("/inbox/drop", Map.of("name", "pen", "quantity", 1)).join();
            Inbox inbox = ctx.getBean(Inbox.class);
            await().until(() -> !inbox.got.isEmpty());
            assertThat(inbox.got).containsExactly(new Item("pen", 1));
            await().until(() -> output.toString().contains("push handlers answered an error"));
            assertThat(output).contains("on /inbox/drop").contains("name: must not be blank");
        }));
    }

    @Test
    void withoutAValidatorNothingIsCheckedAndEachHandlerThatAskedIsNamedAtWarn(CapturedOutput output) {
        runner.withBean(Orders.class).run(ctx -> withSession(ctx, session ->
                assertThat(session.pull("/orders/place", Map.of("customer", "", "items", List.of()), String.class))
                        .isEqualTo("placed 0")));
        assertThat(output).contains("WARN").contains("Orders#place has @Valid or constraints on its parameters, but "
                + "there is no jakarta.validation.Validator bean (or several, none @Primary): they are not checked. "
                + "Add spring-boot-starter-validation");
    }

    /**
     * The API without a provider, beside Spring MVC: MVC's validator bean is an adapter with nothing
     * behind it (its set-up failed), which refuses every call.
     */
    @Test
    void aValidatorBeanWithoutAProviderIsTakenForNoneRatherThanFailingEveryController(CapturedOutput output) {
        runner.withBean("mvcValidator", LocalValidatorFactoryBean.class, () -> new LocalValidatorFactoryBean() {
            @Override
            public void afterPropertiesSet() {
                // As OptionalValidatorFactoryBean leaves it when no provider is found.
            }
        }).withBean(Orders.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            withSession(ctx, session -> assertThat(session.pull("/orders/place",
                    Map.of("customer", "", "items", List.of()), String.class)).isEqualTo("placed 0"));
        });
        assertThat(output).contains("Orders#place has @Valid or constraints on its parameters, but there is no "
                + "jakarta.validation.Validator bean (or several, none @Primary) that can validate (no Bean Validation "
                + "provider): they are not checked.");
    }

    @Test
    void withoutJakartaValidationThereIsNoValidator() {
        runner.withClassLoader(new FilteredClassLoader("jakarta.validation.")).withBean(Orders.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(HandlerArgumentValidator.class);
        });
    }

    private static void assertInvalid(ThrowingCallable call, String detail) {
        assertThatThrownBy(call).isInstanceOfSatisfying(RerrorException.class, e -> {
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.rerror().detail()).isEqualTo(detail);
        });
    }
}
