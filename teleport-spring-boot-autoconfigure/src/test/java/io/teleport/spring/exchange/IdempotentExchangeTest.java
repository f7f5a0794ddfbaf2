package io.teleport.spring.exchange;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.RetryPolicy;
import io.teleport.spring.client.RoundRobinLoadBalancer;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.TeleportInstance;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code @PullExchange(idempotent = true)}: the method's pulls are tried again on another instance. */
class IdempotentExchangeTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    private final CountDownLatch released = new CountDownLatch(1);

    /** Two reads, one declared idempotent. */
    @TeleportExchange("/stock")
    interface Stock {
        @PullExchange(idempotent = true)
        CompletableFuture<String> count(String sku);

        CompletableFuture<String> reserve(String sku);
    }

    @AfterEach
    void release() {
        released.countDown();
    }

    private Peer server(String label, CountDownLatch handling) {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().setUnknown(ctx -> {
            if (handling != null) {
                handling.countDown();
                released.await(10, TimeUnit.SECONDS);
            }
            return label;
        });
        server.listen("127.0.0.1:0", null);
        return server;
    }

    private static TeleportInstance instance(Peer server) {
        return TeleportInstance.of("127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort());
    }

    @Test
    void onlyTheIdempotentMethodIsTriedAgainAfterItsConnectionBroke() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch handling = new CountDownLatch(2);
        Peer dying = server("dying", handling);
        RemoteInstances instances = RemoteInstances.discovered(client, "inventory", "inventory", new RoundRobinLoadBalancer());
        instances.update(List.of(instance(dying)));
        Stock stock = new TeleportExchangeProxyFactory().create(Stock.class,
                new SessionTemplate(instances, List.of(), List.of(), RetryPolicy.DEFAULT));

        CompletableFuture<String> count = stock.count("s");
        CompletableFuture<String> reserve = stock.reserve("s");
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();
        instances.update(List.of(instance(dying), instance(server("ok", null))));
        dying.closeAsync(Duration.ZERO);

        assertThat(count.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThatThrownBy(() -> reserve.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(TeleportExchangeException.class)
                .extracting(e -> ((TeleportExchangeException) e).rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
    }
}
