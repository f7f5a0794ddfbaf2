package io.teleport.spring.exchange;

import io.micrometer.core.instrument.MeterRegistry;
import io.teleport.Peer;
import io.teleport.codec.JsonCodec;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.exchange.scanned.NotAnExchange;
import io.teleport.spring.exchange.scanned.PingApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.timeout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A server context whose {@code @PullController} implements {@link StockApi} and a client context
 * calling it through the imported proxy, over loopback: no URI string, no {@code Class} token.
 */
class DeclarativeClientEndToEndTest {

    static final List<Object> RECEIVED = new CopyOnWriteArrayList<>();

    private static ConfigurableApplicationContext server;
    private static ConfigurableApplicationContext client;

    /** The server: controllers implementing the interfaces, and nothing that knows a URI. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({Stock.class, Ping.class})
    static class ServerApp {
    }

    /** The client: proxies imported by type and by scanning. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @ImportTeleportExchanges(StockApi.class)
    @ImportTeleportExchanges(value = StockReplies.class, basePackageClasses = PingApi.class, remote = "inventory")
    static class ClientApp {
    }

    /** The inventory, serving {@link StockApi} at the names the proxy calls. */
    @PullController
    static class Stock implements StockApi {

        @Override
        public Item item(String sku) {
            if (sku.equals("none")) {
                throw new RerrorException(1404, "No Such Item", sku);
            }
            return new Item(sku, 7);
        }

        @Override
        public int count(String sku) {
            return sku.length();
        }

        @Override
        public List<Item> listAll(int limit) {
            return List.of(new Item("a", 1), new Item("b", 2), new Item("c", 3)).subList(0, limit);
        }

        @Override
        public CompletableFuture<List<Item>> search(String query, String user) {
            return CompletableFuture.completedFuture(List.of(new Item(query + "|" + user, 1)));
        }

        @Override
        public void reserve(Item item) {
            RECEIVED.add(item);
        }

        @Override
        public String slow(long millis, CallOption... options) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slept " + millis + " with " + options.length + " options";
        }

        @Override
        public void changed(StockChanged event) {
            RECEIVED.add(event);
        }
    }

    /** Serves the scanned interface at its default name, {@code /ping_api/ping}. */
    @PullController
    static class Ping implements PingApi {
        @Override
        public String ping(String who) {
            return "pong " + who;
        }
    }

    @BeforeAll
    static void start() {
        server = new SpringApplicationBuilder(ServerApp.class).properties(
                "teleport.server.listen-address=127.0.0.1:0", "spring.main.banner-mode=off").run();
        int port = ((InetSocketAddress) server.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
        client = new SpringApplicationBuilder(ClientApp.class).properties(
                "teleport.clients.inventory.address=127.0.0.1:" + port, "spring.main.banner-mode=off").run();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void plainGenericAndVoidPulls() {
        StockApi stock = client.getBean(StockApi.class);
        assertThat(stock.item("sku-1")).isEqualTo(new StockApi.Item("sku-1", 7));
        assertThat(stock.count("abc")).isEqualTo(3);
        assertThat(stock.listAll(2)).containsExactly(new StockApi.Item("a", 1), new StockApi.Item("b", 2));
        assertThat(stock.first()).isEqualTo(new StockApi.Item("a", 1));
        stock.reserve(new StockApi.Item("r", 2));
        // The reply was awaited: the handler had run.
        assertThat(RECEIVED).contains(new StockApi.Item("r", 2));
    }

    @Test
    void callsGoThroughTheRemotesTemplateAndAreTimedThere() {
        client.getBean(StockApi.class).item("timed");
        MeterRegistry meters = client.getBean(MeterRegistry.class);
        // Recorded when the pull ends, which may follow the reply by a moment.
        await().until(() -> meters.find("teleport.pull.launch").tag("route", "/inventory/stock/item").timer() != null);
    }

    @Test
    void asyncPullWithQueryAndMetadata() throws Exception {
        StockApi stock = client.getBean(StockApi.class);
        List<StockApi.Item> found = stock.search("red & blue=?é", "ann").get(5, TimeUnit.SECONDS);
        assertThat(found).containsExactly(new StockApi.Item("red & blue=?é|ann", 1));
    }

    @Test
    void errorReplyIsATypedException() {
        StockApi stock = client.getBean(StockApi.class);
        assertThatThrownBy(() -> stock.item("none")).isInstanceOfSatisfying(TeleportExchangeException.class, e -> {
            assertThat(e.code()).isEqualTo(1404);
            assertThat(e.rerror().detail()).isEqualTo("none");
            assertThat(e.remote()).isEqualTo("inventory");
            assertThat(e.path()).isEqualTo("/inventory/stock/item");
            assertThat(e.getMessage()).startsWith(e.rerror().toJson())
                    .endsWith(" (call of /inventory/stock/item on remote 'inventory')");
        });
        CompletableFuture<Reply<StockApi.Item>> async = client.getBean(StockReplies.class).itemAsync("none", "ann");
        assertThatThrownBy(async::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(TeleportExchangeException.class, e -> assertThat(e.code()).isEqualTo(1404));
    }

    @Test
    void timeoutFromTheAnnotationAndOptionsPerCall() {
        StockApi stock = client.getBean(StockApi.class);
        // The annotation says 1 s: room for a first call on a busy machine, and well apart from the sleeps.
        assertThat(stock.slow(0)).isEqualTo("slept 0 with 0 options");
        assertThatThrownBy(() -> stock.slow(2000)).isInstanceOfSatisfying(TeleportExchangeException.class,
                e -> assertThat(e.code()).isEqualTo(408));
        assertThat(stock.slow(1200, timeout(Duration.ofSeconds(5)))).isEqualTo("slept 1200 with 0 options");
    }

    @Test
    void wholeRepliesFromAClientOnlyInterface() throws Exception {
        StockReplies replies = client.getBean(StockReplies.class);
        Reply<StockApi.Item> reply = replies.item("sku-2");
        assertThat(reply.body()).isEqualTo(new StockApi.Item("sku-2", 7));
        assertThat(reply.bodyCodec()).isEqualTo(JsonCodec.ID);
        assertThat(replies.itemAsync("sku-3", "ann").get(5, TimeUnit.SECONDS).body())
                .isEqualTo(new StockApi.Item("sku-3", 7));
    }

    /** The same route, returned as the interfaces the proxy's future also is. */
    @TeleportExchange("/inventory/stock")
    interface StockFutures {
        @PullExchange("item")
        java.util.concurrent.CompletionStage<StockApi.Item> stage(String sku);

        @PullExchange("item")
        java.util.concurrent.Future<StockApi.Item> future(String sku);
    }

    @Test
    void repliesAsTheStageOrFutureInterfaces() throws Exception {
        io.teleport.spring.client.SessionTemplate inventory =
                client.getBean(io.teleport.spring.client.SessionTemplates.class).get("inventory");
        StockFutures futures = new TeleportExchangeProxyFactory().create(StockFutures.class, inventory);
        assertThat(futures.stage("sku-5").toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isEqualTo(new StockApi.Item("sku-5", 7));
        assertThat(futures.future("sku-6").get(5, TimeUnit.SECONDS)).isEqualTo(new StockApi.Item("sku-6", 7));
    }

    @Test
    void push() {
        client.getBean(StockApi.class).changed(new StockApi.StockChanged("sku-4", -1));
        await().until(() -> RECEIVED.contains(new StockApi.StockChanged("sku-4", -1)));
    }

    @Test
    void scannedInterfacesOnly() {
        assertThat(client.getBean(PingApi.class).ping("me")).isEqualTo("pong me");
        assertThat(client.getBeanProvider(NotAnExchange.class).getIfAvailable()).isNull();
        assertThat(client.getBean(StockApi.class).toString()).contains("StockApi", "inventory");
    }
}
