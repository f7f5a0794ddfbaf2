package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.PostDial;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.ReservedPort;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A service's instances come back into rotation (one down when first dialed, one that drained and
 * restarted at its address), and a pull through a template keeps to its own timeout across a slow
 * dial and its retries.
 */
class InstanceRecoveryTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final CountDownLatch released = new CountDownLatch(1);

    @AfterEach
    void release() {
        released.countDown();
    }

    private Peer server(String label, Function<String, Object> who, PeerConfig config, String listen) {
        Peer server = peers.add(new Peer(config));
        server.pullRouter().route("/who", String.class, (body, ctx) -> {
            served.computeIfAbsent(label, l -> new AtomicInteger()).incrementAndGet();
            return who.apply(body);
        });
        server.listen(listen, null);
        return server;
    }

    private Peer server(String label) {
        return server(label, body -> label, PeerConfig.defaults(), "127.0.0.1:0");
    }

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    private static SessionTemplate template(Peer client, List<String> addresses) {
        RemoteInstances instances = RemoteInstances.discovered(client, "inventory", "inventory", new RoundRobinLoadBalancer());
        instances.update(addresses.stream().map(TeleportInstance::of).toList());
        return new SessionTemplate(instances, List.of(), List.of(), RetryPolicy.DEFAULT);
    }

    private int count(String label) {
        AtomicInteger n = served.get(label);
        return n == null ? 0 : n.get();
    }

    @Test
    void anInstanceDownWhenFirstDialedIsChosenAgainOnceItIsUp() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        try (ReservedPort port = new ReservedPort()) {
            SessionTemplate template = template(client, List.of(port.address(), address(server("b"))));
            for (int i = 0; i < 4; i++) {
                assertThat(template.pull("/who", "", String.class)).isEqualTo("b");
            }
            server("a", body -> "a", PeerConfig.builder().reusePort(true).build(), port.address());

            // Once its backoff has passed, a call dials it again, and it takes its share.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                template.pull("/who", "", String.class);
                assertThat(count("a")).isPositive();
            });
        }
    }

    @Test
    void anInstanceThatDrainedAndCameBackAtItsAddressIsChosenAgain() {
        Peer client = peers.add(new Peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(20)).build()));
        AtomicBoolean draining = new AtomicBoolean(true);
        Peer a = server("a", body -> {
            if (draining.get()) {
                throw new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable", Rerror.DETAIL_SHUTTING_DOWN));
            }
            return "a";
        }, PeerConfig.defaults(), "127.0.0.1:0");
        SessionTemplate template = template(client, List.of(address(a), address(server("b"))));
        template.connect();
        await().until(() -> template.instances().list().stream()
                .allMatch(i -> template.instances().state(i) == RemoteState.CONNECTED));
        for (int i = 0; i < 6; i++) {
            assertThat(template.pull("/who", "", String.class)).isEqualTo("b");
        }
        assertThat(count("a")).as("asked once, then passed over").isEqualTo(1);

        // It restarts at the same address: the client's session is the same object, on a new connection.
        draining.set(false);
        a.sessions().forEach(Session::close);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            template.pull("/who", "", String.class);
            assertThat(count("a")).isGreaterThan(1);
        });
    }

    @Test
    void aPullWaitsForASlowDialNoLongerThanItsOwnTimeout() {
        String address = address(server("a"));
        // A dial that cannot finish (its hook waits), as one to an instance that went silent hangs until the dial timeout.
        PostDial stuck = session -> {
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        Peer client = peers.add(new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(30)).build(), stuck));
        SessionTemplate template = template(client, List.of(address));

        assertThatThrownBy(() -> template.pull("/who", "", String.class, CallOptions.timeout(Duration.ofMillis(300))))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(Rerror.CODE_DIAL_FAILED);
                    assertThat(e.rerror().detail()).contains("did not complete within the call's timeout of 300 ms");
                });
        assertThat(template.pullAsync("/who", "", String.class, CallOptions.timeout(Duration.ofMillis(300))))
                .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror().detail()).contains("did not complete within the call's timeout"));
    }

    @Test
    void aTimeoutMeaningForeverIsTheLongestNotAnOverflow() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        SessionTemplate template = template(client, List.of(address(server("a"))));
        Duration forever = Duration.ofDays(365_000);
        assertThat(template.pull("/who", "", String.class, CallOptions.timeout(forever))).isEqualTo("a");
        assertThat(template.pullAsync("/who", "", String.class, CallOptions.timeout(forever)).get(5, TimeUnit.SECONDS))
                .isEqualTo("a");
    }

    @Test
    void retriesShareTheCallsTimeoutInsteadOfEachTakingAFreshOne() {
        // Each instance refuses (a retried 503) only after 600 ms: a second attempt has 400 ms left.
        Function<String, Object> slowRefusal = body -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable", "busy"));
        };
        String a = address(server("a", slowRefusal, PeerConfig.defaults(), "127.0.0.1:0"));
        String b = address(server("b", slowRefusal, PeerConfig.defaults(), "127.0.0.1:0"));
        String c = address(server("c", slowRefusal, PeerConfig.defaults(), "127.0.0.1:0"));
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        SessionTemplate template = template(client, List.of(a, b, c));

        assertThatThrownBy(() -> template.pull("/who", "", String.class, CallOptions.timeout(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).as("the second attempt ran out of the call's time").isEqualTo(Rerror.CODE_PULL_TIMEOUT);
                    assertThat(e.rerror().detail()).as("the attempt's own timeout, and the call's")
                            .containsPattern("within [1-4][0-9]{2} ms \\(what was left of the call's timeout of 1000 ms after its dial");
                });
        assertThat(template.pullAsync("/who", "", String.class, CallOptions.timeout(Duration.ofSeconds(1))))
                .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(RerrorException.class, e -> {
                    assertThat(e.code()).isEqualTo(Rerror.CODE_PULL_TIMEOUT);
                    assertThat(e.rerror().detail()).contains("(what was left of the call's timeout of 1000 ms");
                });
    }
}
