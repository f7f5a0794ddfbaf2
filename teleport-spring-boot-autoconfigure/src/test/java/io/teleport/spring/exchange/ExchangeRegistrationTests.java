package io.teleport.spring.exchange;

import io.netty.channel.DefaultEventLoop;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.router.Route;
import io.teleport.router.RouteNames;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.diagnostics.TeleportControllerException;
import io.teleport.spring.exchange.scanned.PingApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Names agree between proxy and controller, and every way of getting an interface wrong fails at
 * start-up, naming the method and what to do.
 */
class ExchangeRegistrationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class));

    @Test
    void namesFollowTheControllerRules() throws Exception {
        assertThat(ExchangeRoutes.path(StockApi.class.getMethod("listAll", int.class)))
                .isEqualTo("/inventory/stock/list_all");
        assertThat(ExchangeRoutes.path(StockApi.class.getMethod("slow", long.class, io.teleport.session.CallOption[].class)))
                .isEqualTo("/inventory/stock/slow_echo");
        assertThat(ExchangeRoutes.path(PingApi.class.getMethod("ping", String.class)))
                .isEqualTo(RouteNames.join(RouteNames.snake("PingApi"), RouteNames.snake("ping"))).isEqualTo("/ping_api/ping");
        assertThat(ExchangeRoutes.isPush(StockApi.class.getMethod("changed", StockApi.StockChanged.class))).isTrue();
        assertThat(ExchangeRoutes.isPush(StockApi.class.getMethod("item", String.class))).isFalse();
    }

    @Test
    void aControllerServesEachRouteAtTheNameTheProxyCalls() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0")
                .withBean(DeclarativeClientEndToEndTest.Stock.class).run(ctx -> {
                    Peer peer = ctx.getBean(Peer.class);
                    String[] pulls = Arrays.stream(StockApi.class.getMethods()).filter(ExchangeRoutes::isRoute)
                            .filter(m -> !ExchangeRoutes.isPush(m)).map(ExchangeRoutes::path).toArray(String[]::new);
                    assertThat(peer.pullRouter().routes()).extracting(Route::path).containsExactlyInAnyOrder(pulls);
                    assertThat(peer.pushRouter().routes()).extracting(Route::path)
                            .containsExactly("/inventory/stock/changed");
                });
    }

    /** A user. */
    public record User(String name) {
    }

    /** A generic contract. */
    @TeleportExchange("/crud")
    public interface GenericCrud<T> {
        T get(String id);

        String save(T item);
    }

    /** Extends the contract, binding its type. */
    @TeleportExchange("/users")
    public interface UserApi extends GenericCrud<User> {
        User find(String name);
    }

    /** Implements the contract through the interface that extends it. */
    @PullController
    static class Users implements UserApi {
        @Override
        public User get(String id) {
            return new User(id);
        }

        @Override
        public String save(User item) {
            return "saved " + item.name();
        }

        @Override
        public User find(String name) {
            return new User(name);
        }
    }

    /** Implements the generic contract once, for every type. */
    abstract static class CrudController<T> implements GenericCrud<T> {
        @Override
        public String save(T item) {
            return "saved " + item;
        }
    }

    /** Binds the base class's type. */
    @PullController
    static class UserCrud extends CrudController<User> {
        @Override
        public User get(String id) {
            return new User(id);
        }
    }

    @Test
    void methodsOfAGenericBaseClassAreServedWhereTheProxyCallsThem() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(UserCrud.class)
                .run(ctx -> assertThat(ctx.getBean(Peer.class).pullRouter().routes()).extracting(Route::path)
                        .containsExactlyInAnyOrder("/crud/get", "/crud/save"));
    }

    @Test
    void methodsOfExtendedAndGenericInterfacesAreServedWhereTheProxyCallsThem() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(Users.class).run(ctx -> {
            String[] pulls = Arrays.stream(UserApi.class.getMethods()).filter(ExchangeRoutes::isRoute)
                    .map(ExchangeRoutes::path).toArray(String[]::new);
            assertThat(pulls).containsExactlyInAnyOrder("/crud/get", "/crud/save", "/users/find");
            assertThat(ctx.getBean(Peer.class).pullRouter().routes()).extracting(Route::path)
                    .containsExactlyInAnyOrder(pulls);
            Peer client = new Peer(PeerConfig.defaults());
            try {
                int port = ((java.net.InetSocketAddress) ctx.getBean(Peer.class).listenAddresses().iterator().next())
                        .getPort();
                UserApi users = new TeleportExchangeProxyFactory().create(UserApi.class,
                        new SessionTemplate(client, "users", "127.0.0.1:" + port));
                assertThat(users.save(new User("bob"))).as("the body bound as the User the interface binds")
                        .isEqualTo("saved bob");
                assertThat(users.get("ann")).isEqualTo(new User("ann"));
            } finally {
                client.close();
            }
        });
    }

    /** A controller in a group: its clients could not find the interface's routes. */
    @PullController("shop")
    static class GroupedStock extends DeclarativeClientEndToEndTest.Stock {
    }

    @Test
    void aControllerWithAGroupFailsStartUp() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(GroupedStock.class)
                .run(ctx -> assertThat(ctx).getFailure().hasMessageContaining("remove the group"));
    }

    @Test
    void anImportedInterfaceWithoutItsRemoteFailsStartUp() {
        // Configuration errors, reported in Boot's failure analysis with the property to set.
        runner.withUserConfiguration(ImportsPing.class).run(ctx -> assertThat(ctx).getFailure()
                .hasStackTraceContaining("TeleportConfigurationException: teleport.client.address: ")
                .hasStackTraceContaining("PingApi calls the teleport.client remote, which is not configured"));
        runner.withUserConfiguration(ImportsStock.class).withPropertyValues("teleport.clients.other.address=127.0.0.1:1")
                .run(ctx -> assertThat(ctx).getFailure()
                        .hasStackTraceContaining("TeleportConfigurationException: teleport.clients.inventory.address: ")
                        .hasStackTraceContaining("StockApi calls the remote 'inventory', which is not configured"));
    }

    @Test
    void anImportedInterfaceItsProxyCannotCallFailsStartUpInBootsFailureAnalysis() {
        runner.withUserConfiguration(ImportsTwoBodies.class).withPropertyValues("teleport.client.address=127.0.0.1:1")
                .run(ctx -> assertThat(findCause(ctx.getStartupFailure(), TeleportControllerException.class))
                        .hasMessageStartingWith("Teleport exchange interface '" + TwoBodies.class.getName() + "'")
                        .hasMessageContaining("TwoBodies.call has two body parameters"));
    }

    private static <E extends Throwable> E findCause(Throwable failure, Class<E> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + failure);
    }

    @Configuration(proxyBeanMethods = false)
    @ImportTeleportExchanges(TwoBodies.class)
    static class ImportsTwoBodies {
    }

    @Test
    void aProxyIsMadeAtStartUpWithoutDialing() {
        runner.withUserConfiguration(ImportsPing.class).withPropertyValues("teleport.client.address=127.0.0.1:1")
                .run(ctx -> assertThat(ctx.getBean(PingApi.class).toString())
                        .isEqualTo("PingApi via SessionTemplate[default -> 127.0.0.1:1]"));
    }

    @Test
    void anApplicationThatAlsoServesTheInterfaceInjectsTheProxyForIt() {
        runner.withUserConfiguration(ImportsPing.class).withBean(Pings.class)
                .withPropertyValues("teleport.client.address=127.0.0.1:1", "teleport.server.listen-address=127.0.0.1:0")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(PingApi.class)).isNotInstanceOf(Pings.class)
                            .hasToString("PingApi via SessionTemplate[default -> 127.0.0.1:1]");
                    assertThat(ctx.getBean(Pings.class).ping("x")).isEqualTo("pong x");
                });
    }

    @Test
    void anApplicationWithItsOwnPrimaryBeanOfTheInterfaceImportsItsProxyAsNotPrimary() {
        runner.withUserConfiguration(ImportsPingNotPrimary.class)
                .withBean("stub", PingApi.class, () -> text -> "stubbed " + text, d -> d.setPrimary(true))
                .withPropertyValues("teleport.client.address=127.0.0.1:1")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(PingApi.class).ping("x")).isEqualTo("stubbed x");
                    assertThat(ctx.getBean(PingApi.class.getName(), PingApi.class))
                            .hasToString("PingApi via SessionTemplate[default -> 127.0.0.1:1]");
                });
    }

    @Configuration(proxyBeanMethods = false)
    @ImportTeleportExchanges(value = PingApi.class, primary = false)
    static class ImportsPingNotPrimary {
    }

    /** Serves the interface the same application calls. */
    @PullController
    static class Pings implements PingApi {
        @Override
        public String ping(String text) {
            return "pong " + text;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportTeleportExchanges(PingApi.class)
    static class ImportsPing {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportTeleportExchanges(StockApi.class)
    static class ImportsStock {
    }

    @TeleportExchange
    interface TwoBodies {
        String call(String a, String b);
    }

    @TeleportExchange
    interface TakesContext {
        String join(String player, io.teleport.router.PullContext ctx);
    }

    @TeleportExchange
    interface Nameless {
        String call(String a, @io.teleport.router.QueryValue("") String page);
    }

    @TeleportExchange
    interface PushWithReply {
        @PushExchange
        String call(String a);
    }

    @TeleportExchange
    interface BadTimeout {
        @PullExchange(timeout = "soon")
        String call(String a);
    }

    interface NotAnnotated {
        String call(String a);
    }

    @TeleportExchange
    interface NoTimeout {
        @PullExchange(timeout = "-1s")
        String call(String a);
    }

    @TeleportExchange
    interface TaskFuture {
        java.util.concurrent.FutureTask<String> call(String a);
    }

    /** Public, so that its proxy is made outside this package, where {@link Secret} is out of reach. */
    @TeleportExchange
    public interface UsesHiddenTypes {
        Secret call(String a);
    }

    /** Public, but {@link Secret} is only a parameter: the proxy's code never names it. */
    @TeleportExchange
    public interface TakesHiddenType {
        String call(Secret a);
    }

    record Secret(String value) {
    }

    /** Package-private: its proxy is made in this package, and reaches {@link Secret}. */
    @TeleportExchange
    interface HiddenToo {
        Secret call(Secret a);
    }

    /** A plain parent: its method has no exchange to name its route. */
    interface Crud<T> {
        T get(String id);
    }

    @TeleportExchange
    interface Items extends Crud<String> {
    }

    /** A peer that never dials, and a template to an address where nothing listens. */
    private final Peer peer = new Peer(PeerConfig.defaults());
    private final SessionTemplate unreachable = new SessionTemplate(peer, "default", "127.0.0.1:1");
    private final TeleportExchangeProxyFactory factory = new TeleportExchangeProxyFactory();

    @AfterEach
    void closePeer() {
        peer.close();
    }

    @Test
    void signaturesAProxyCannotCallFailWhenItIsMade() {
        assertThatThrownBy(() -> factory.create(TwoBodies.class, unreachable))
                .hasMessageContaining("TwoBodies.call has two body parameters");
        assertThatThrownBy(() -> factory.create(PushWithReply.class, unreachable))
                .hasMessageContaining("PushWithReply.call is a push, which has no reply");
        assertThatThrownBy(() -> factory.create(TakesContext.class, unreachable))
                .hasMessageContaining("TakesContext.join takes a PullContext, which the caller has none of");
        assertThatThrownBy(() -> factory.create(Nameless.class, unreachable))
                .hasMessageContaining("Nameless.call has a @QueryValue or @MetaValue without a name");
        assertThatThrownBy(() -> factory.create(BadTimeout.class, unreachable))
                .hasMessageContaining("BadTimeout.call has a timeout that is not a duration: soon");
        assertThatThrownBy(() -> factory.create(NotAnnotated.class, unreachable))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@TeleportExchange");
        assertThatThrownBy(() -> factory.create(NoTimeout.class, unreachable))
                .hasMessageContaining("NoTimeout.call has a timeout of -1s (expected: above zero");
        assertThatThrownBy(() -> factory.create(TaskFuture.class, unreachable))
                .hasMessageContaining("TaskFuture.call returns java.util.concurrent.FutureTask, which the proxy cannot give");
        assertThatThrownBy(() -> factory.create(Items.class, unreachable))
                .hasMessageContaining("Crud.get is declared by an interface that is not a @TeleportExchange");
        // Made, it failed every call with IllegalAccessError (new-user trial 15).
        assertThatThrownBy(() -> factory.create(UsesHiddenTypes.class, unreachable))
                .hasMessageContaining("UsesHiddenTypes.call uses " + Secret.class.getName() + ", which is not public")
                .hasMessageContaining("make Secret public, or UsesHiddenTypes package-private");
        assertThat(factory.create(HiddenToo.class, unreachable)).isNotNull();
        assertThat(factory.create(TakesHiddenType.class, unreachable)).isNotNull();
    }

    @Test
    void onAnEventLoopOnlyCallsThatDoNotWaitAreMade() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            StockApi stock = factory.create(StockApi.class, unreachable);
            // Refused before it dials, as core refuses a blocking pull there.
            assertThat(loop.submit(() -> catching(() -> stock.item("x"))).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("on an I/O thread");
            assertThat(loop.submit(() -> stock.search("q", "u")).get(5, TimeUnit.SECONDS)).isNotNull();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnreachableRemoteIsTheCallsTypedFailure() {
        assertThatThrownBy(() -> factory.create(PingApi.class, unreachable).ping("me"))
                .isInstanceOfSatisfying(TeleportExchangeException.class, e -> {
                    assertThat(e.code()).isEqualTo(105);
                    assertThat(e.remote()).isEqualTo("default");
                    assertThat(e.path()).isEqualTo("/ping_api/ping");
                });
    }

    private static Throwable catching(Runnable call) {
        try {
            call.run();
            return new AssertionError("no exception");
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** Serves the client-only interface: a controller cannot return a whole reply. */
    @PullController
    static class RepliesController implements StockReplies {
        @Override
        public io.teleport.session.Reply<StockApi.Item> item(String sku) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.concurrent.CompletableFuture<io.teleport.session.Reply<StockApi.Item>> itemAsync(String sku,
                String user) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aControllerCannotServeAWholeReply() {
        runner.withPropertyValues("teleport.server.listen-address=127.0.0.1:0").withBean(RepliesController.class)
                .run(ctx -> assertThat(ctx).getFailure().hasMessageContaining("returns a Reply"));
    }

}
