package io.teleport.spring.metrics;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostReadPullHeader;
import io.teleport.plugin.PreWritePull;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.testing.LogCapture;
import io.teleport.testing.ReservedPort;
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
import static org.awaitility.Awaitility.await;

/**
 * Every way a pull of this side ends is timed in {@code teleport.pull.launch} with a bounded
 * {@code code} tag (a reply, 408, 102, 104, 105, a plugin's refusal, a remote's own code), and a pull
 * that a plugin of the server refused before routing is tagged with its real route.
 */
class ClientOutcomeMetricsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();
    @RegisterExtension
    final LogCapture messages = LogCapture.of("io.teleport.message", Level.DEBUG);
    private final MeterRegistry clientMeters = new SimpleMeterRegistry();
    private final MeterRegistry serverMeters = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final ReservedPort nobody = new ReservedPort();

    @AfterEach
    void release() throws Exception {
        release.countDown();
        nobody.close();
    }

    private Peer server() {
        PostReadPullHeader gate = ctx -> ctx.input().uri().contains("deny") ? new Rerror(401, "Unauthorized", "no") : null;
        Peer server = peers.add(new Peer(PeerConfig.defaults(), gate, new MicrometerPlugin(serverMeters)));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        server.pullRouter().route("/hold", String.class, (body, ctx) -> {
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        server.pullRouter().route("/hang", String.class, (body, ctx) -> {
            hanging.countDown();
            release.await(10, TimeUnit.SECONDS);
            return body;
        });
        server.pullRouter().route("/odd", String.class, (body, ctx) -> {
            throw new RerrorException(7777, "odd", "a code only this server knows");
        });
        server.listen("127.0.0.1:0", null);
        return server;
    }

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    private long launched(String route, String code) {
        Timer timer = clientMeters.find("teleport.pull.launch").tag("route", route).tag("code", code).timer();
        return timer == null ? 0 : timer.count();
    }

    private static int code(CompletableFuture<?> pull) {
        return pull.handle((v, e) -> e == null ? 0 : ((RerrorException) e).code()).join();
    }

    @Test
    void everyOutcomeOfAPullIsTimedWithABoundedCode() throws Exception {
        Peer server = server();
        PreWritePull refusing = ctx -> ctx.output().uri().startsWith("/echo?local") ? new Rerror(403, "Forbidden", "no") : null;
        MicrometerPlugin metrics = new MicrometerPlugin(clientMeters);
        Peer client = peers.add(new Peer(PeerConfig.defaults(), refusing, metrics));
        Session session = client.dial(address(server));

        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThatThrownBy(() -> session.pull("/hold", "x", String.class, CallOptions.timeout(Duration.ofMillis(50))))
                .isInstanceOf(RerrorException.class);
        assertThatThrownBy(() -> session.pull("/echo?local", "x", String.class)).isInstanceOf(RerrorException.class);
        assertThatThrownBy(() -> session.pull("/odd", "x", String.class)).isInstanceOf(RerrorException.class);
        Session closed = client.dial(address(server));
        closed.close().join();
        assertThat(code(closed.pullAsync("/echo", "x", String.class))).isEqualTo(104);

        SessionTemplate unreachable = new SessionTemplate(client, "gone", nobody.address(), List.of(), List.of(metrics));
        assertThatThrownBy(() -> unreachable.pull("/echo", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(105));

        CompletableFuture<String> lost = session.pullAsync("/hang", "x", String.class);
        await().until(() -> hanging.getCount() == 0);
        server.closeAsync(Duration.ZERO);
        assertThat(code(lost)).isEqualTo(102);

        // Recorded before each caller learnt its outcome: no waiting needed.
        assertThat(launched("/echo", "0")).isEqualTo(1);
        assertThat(launched("/hold", "408")).isEqualTo(1);
        assertThat(launched("/echo", "403")).isEqualTo(1);
        assertThat(launched("/odd", "OTHER")).as("a remote's own code is not a tag value").isEqualTo(1);
        assertThat(launched("/echo", "104")).isEqualTo(1);
        assertThat(launched("/echo", "105")).isEqualTo(1);
        assertThat(launched("/hang", "102")).isEqualTo(1);
        assertThat(clientMeters.find("teleport.pull.launch").tag("code", "7777").timer()).isNull();
        assertThat(clientMeters.get("teleport.pull.launch").tag("code", "408").timer().getId().getTag("outcome"))
                .isEqualTo("ERROR");
        assertThat(messages.lines("kind=pull-launch")).anySatisfy(l -> assertThat(l).contains("gone").contains("status=105"));
    }

    @Test
    void aPullRefusedByAServerPluginBeforeRoutingCarriesItsRealRoute() {
        Peer server = server();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(address(server));
        assertThatThrownBy(() -> session.pull("/echo?deny=1", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(401));
        assertThatThrownBy(() -> session.pull("/nowhere?deny=1", "x", String.class)).isInstanceOf(RerrorException.class);
        await().untilAsserted(() -> {
            assertThat(serverMeters.find("teleport.pull.handle").tag("route", "/echo").tag("code", "401").timer())
                    .isNotNull();
            assertThat(serverMeters.find("teleport.pull.handle").tag("route", "NOT_FOUND").tag("code", "401").timer())
                    .as("a path with no route is still NOT_FOUND").isNotNull();
        });
    }
}
