package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Reply;
import io.teleport.testing.ReservedPort;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A template over a service's instances, with real server peers over loopback: calls spread, calls
 * that never reached a handler go to another instance, calls that may have run do not (unless
 * idempotent), and the instances follow {@link RemoteInstances#update}.
 */
class ServiceTemplateTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();

    /** A server whose {@code /who} answers its label, counting the pulls it handled. */
    private Peer server(String label) {
        return server(label, body -> label);
    }

    private Peer server(String label, Function<String, Object> who) {
        Peer server = peers.add(new Peer(PeerConfig.defaults()));
        server.pullRouter().route("/who", String.class, (body, ctx) -> {
            served.computeIfAbsent(label, l -> new AtomicInteger()).incrementAndGet();
            return who.apply(body);
        });
        server.listen("127.0.0.1:0", null);
        return server;
    }

    private static TeleportInstance instance(Peer server) {
        return TeleportInstance.of("127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort());
    }

    private SessionTemplate template(RemoteInstances instances, RetryPolicy retries) {
        return new SessionTemplate(instances, List.of(), List.of(), retries);
    }

    private RemoteInstances inventory(Peer client) {
        return RemoteInstances.discovered(client, "inventory", "inventory", new RoundRobinLoadBalancer());
    }

    @Test
    void aCallThatWouldNeedADialOnceThePeerIsClosingFailsAsADialNotAsTheState() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(server("a"))));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);
        client.closeAsync(Duration.ofSeconds(10));
        // 105, which a call on a service moves on from to another instance, not the peer's IllegalStateException.
        assertThatThrownBy(() -> template.pull("/who", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(Rerror.CODE_DIAL_FAILED));
    }

    @Test
    void pullsSpreadEvenlyOverConnectedInstances() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(server("a")), instance(server("b")), instance(server("c"))));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);
        template.connect();
        await().atMost(Duration.ofSeconds(5)).until(() -> instances.list().stream()
                .allMatch(i -> instances.state(i) == RemoteState.CONNECTED));

        Map<String, Long> byInstance = new java.util.HashMap<>();
        for (int i = 0; i < 3000; i++) {
            byInstance.merge(template.pull("/who", "", String.class), 1L, Long::sum);
        }

        assertThat(byInstance).containsOnly(Map.entry("a", 1000L), Map.entry("b", 1000L), Map.entry("c", 1000L));
        assertThat(template.state()).isEqualTo(RemoteState.CONNECTED);
        assertThat(template.address()).isEqualTo("discovery:///inventory");
    }

    @Test
    void aCallWhoseInstanceCannotBeDialedGoesToAnotherAndNoneFails() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        try (ReservedPort nobody = new ReservedPort()) {
            instances.update(List.of(TeleportInstance.of(nobody.address()), instance(server("a"))));
            SessionTemplate template = template(instances, RetryPolicy.DEFAULT);

            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(template.pullAsync("/who", "", String.class));
                assertThat(template.pull("/who", "", String.class)).isEqualTo("a");
            }

            assertThat(calls).allSatisfy(c -> assertThat(c.get(5, TimeUnit.SECONDS)).isEqualTo("a"));
            assertThat(instances.state(TeleportInstance.of(nobody.address()))).isEqualTo(RemoteState.DOWN);
        }
    }

    @Test
    void aRefusalBeforeHandlingIsTriedOnAnotherInstance() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(server("busy", body -> {
            throw new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable", "draining"));
        })), instance(server("ok"))));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);

        for (int i = 0; i < 10; i++) {
            assertThat(template.pull("/who", "", String.class)).isEqualTo("ok");
            assertThat(template.pullAsync("/who", "", String.class).join()).isEqualTo("ok");
        }
        assertThat(served.get("ok")).hasValue(20);
        assertThat(served.get("busy").get()).isBetween(1, 20);
    }

    @Test
    void aNotSentCodeInAnInstancesReplySaysItsHandlerRanAndIsNotTriedAgain() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        // As a Go peer answers whose handler returns the failure of a call of its own as it came.
        Peer goLike = peers.add(new Peer(PeerConfig.defaults(), (io.teleport.plugin.PreWriteReply) ctx -> {
            ctx.output().meta().set(Rerror.META_KEY, Rerror.of(Rerror.CODE_WRITE_FAILED, "Write Failed").toJson());
            ctx.output().body(null);
            return null;
        }));
        goLike.pullRouter().route("/who", String.class, (body, ctx) -> {
            served.computeIfAbsent("go-like", l -> new AtomicInteger()).incrementAndGet();
            return "ran";
        });
        goLike.listen("127.0.0.1:0", null);
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(goLike), instance(server("ok"))));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);

        int failed = 0;
        int answered = 0;
        for (int i = 0; i < 10; i++) {
            try {
                assertThat(i % 2 == 0 ? template.pull("/who", "", String.class)
                        : template.pullAsync("/who", "", String.class).join()).isEqualTo("ok");
                answered++;
            } catch (RuntimeException e) {
                RerrorException error = (RerrorException) (e instanceof RerrorException ? e : e.getCause());
                assertThat(error.code()).isEqualTo(Rerror.CODE_WRITE_FAILED);
                assertThat(error.fromReply()).isTrue();
                failed++;
            }
        }
        assertThat(failed).isPositive();
        assertThat(served.get("go-like")).as("each 104 came from an instance that ran the pull: not tried again")
                .hasValue(failed);
        assertThat(served.get("ok")).hasValue(answered);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {Rerror.DETAIL_SHUTTING_DOWN, Rerror.DETAIL_SESSION_CLOSING})
    void anInstanceThatSaysItIsShuttingDownIsNotChosenAgainUntilItsSessionIsNew(String detail) {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(server("draining", body -> {
            // What a draining peer, or a closing session, answers new pulls with.
            throw new RerrorException(new Rerror(Rerror.CODE_UNAVAILABLE, "Service Unavailable", detail));
        })), instance(server("ok"))));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);
        template.connect();
        await().until(() -> instances.list().stream().allMatch(i -> instances.state(i) == RemoteState.CONNECTED));

        for (int i = 0; i < 10; i++) {
            assertThat(template.pull("/who", "", String.class)).isEqualTo("ok");
            assertThat(template.pullAsync("/who", "", String.class).join()).isEqualTo("ok");
        }

        assertThat(served.get("draining")).as("asked once, then passed over").hasValue(1);
    }

    /** A server whose {@code /who} holds every pull until the test ends, so that it can go away under them. */
    private Peer hanging(CountDownLatch handling) {
        return server("dying", body -> {
            handling.countDown();
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "late";
        });
    }

    private final CountDownLatch released = new CountDownLatch(1);

    @org.junit.jupiter.api.AfterEach
    void release() {
        released.countDown();
    }

    @Test
    void aPullWhoseConnectionBrokeAfterItWasWrittenIsNotRetried() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch handling = new CountDownLatch(1);
        Peer dying = hanging(handling);
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(dying)));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);

        // While it is the only instance, so that the attempt goes there; then another joins.
        CompletableFuture<String> plain = template.pullAsync("/who", "", String.class);
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();
        instances.update(List.of(instance(dying), instance(server("ok"))));
        dying.closeAsync(Duration.ZERO);

        assertThatThrownBy(() -> plain.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RerrorException.class)
                .cause().extracting(e -> ((RerrorException) e).rerror().code()).isEqualTo(Rerror.CODE_CONNECTION_CLOSED);
        assertThat(served).doesNotContainKey("ok");
    }

    @Test
    void anIdempotentPullIsTriedAgainOnAnotherInstanceWhenItsConnectionBreaks() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch handling = new CountDownLatch(2);
        Peer dying = hanging(handling);
        dying.pullRouter().route("/other", String.class, (body, ctx) -> {
            handling.countDown();
            released.await(10, TimeUnit.SECONDS);
            return "late";
        });
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(dying)));
        SessionTemplate template = template(instances, new RetryPolicy(3, List.of("/stock/**", "/who")));

        CompletableFuture<String> byPath = template.pullAsync("/who?x=1", "", String.class);
        CompletableFuture<String> byOption = template.pullAsync("/other", "", String.class, SessionTemplate.IDEMPOTENT);
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();
        instances.update(List.of(instance(dying), instance(server("ok"))));
        dying.closeAsync(Duration.ZERO);

        assertThat(byPath.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThatThrownBy(() -> byOption.get(5, TimeUnit.SECONDS)).as("the other instance has no /other")
                .hasCauseInstanceOf(RerrorException.class).cause()
                .extracting(e -> ((RerrorException) e).rerror().code()).isEqualTo(Rerror.CODE_NOT_FOUND);
        assertThat(served.get("ok")).hasValue(1);
    }

    @Test
    void instancesThatJoinGetCallsAndThoseThatLeaveCloseOnceTheirPullsAreAnswered() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch handling = new CountDownLatch(1);
        Peer leaving = server("leaving", body -> {
            if (body.equals("slow")) {
                handling.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return "leaving";
        });
        RemoteInstances instances = inventory(client);
        instances.update(List.of(instance(leaving)));
        SessionTemplate template = template(instances, RetryPolicy.DEFAULT);
        CompletableFuture<String> slow = template.pullAsync("/who", "slow", String.class);
        assertThat(handling.await(5, TimeUnit.SECONDS)).isTrue();
        io.teleport.session.Session leavingSession = template.session();

        Peer joined = server("joined");
        instances.update(List.of(instance(joined)));

        assertThat(leavingSession.isHealthy()).as("open while a pull waits on it").isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(template.pull("/who", "", String.class)).isEqualTo("joined");
        }
        release.countDown();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("leaving");
        await().atMost(Duration.ofSeconds(5)).until(() -> leavingSession.closeFuture().isDone());
        assertThat(instances.list()).extracting(TeleportInstance::address).containsExactly(instance(joined).address());
    }

    @Test
    void aServiceWithNoInstanceFailsEachCallWithDialFailedNamingIt() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        List<Integer> undialed = new ArrayList<>();
        SessionTemplate template = new SessionTemplate(instances, List.of(),
                List.of((remote, uri, rerror, start) -> undialed.add(rerror.code())), RetryPolicy.DEFAULT);

        assertThatThrownBy(() -> template.pull("/who", "", String.class)).isInstanceOf(RerrorException.class)
                .hasMessageContaining("not looked up yet");
        instances.update(List.of());
        assertThatThrownBy(() -> template.pullAsync("/who", "", String.class).join())
                .hasCauseInstanceOf(RerrorException.class).hasMessageContaining("no instance of service 'inventory'");
        assertThat(undialed).containsExactly(105, 105);
        assertThat(template.state()).isEqualTo(RemoteState.DOWN);
    }

    @Test
    void pullEachReachesEveryInstanceAndReportsThoseThatFail() throws Exception {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances instances = inventory(client);
        try (ReservedPort nobody = new ReservedPort()) {
            instances.update(List.of(instance(server("a")), instance(server("b")), TeleportInstance.of(nobody.address())));
            SessionTemplate template = template(instances, RetryPolicy.DEFAULT);

            List<InstanceReply<String>> replies = template.<String>pullEach("/who", "", String.class).get(10, TimeUnit.SECONDS);

            assertThat(replies).hasSize(3);
            assertThat(replies.stream().filter(InstanceReply::isSuccess).map(r -> r.reply().body()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("a", "b");
            assertThat(replies.get(2).error()).isInstanceOf(RerrorException.class);
            assertThat(((RerrorException) replies.get(2).error()).rerror().code()).isEqualTo(Rerror.CODE_DIAL_FAILED);
        }
    }

    @Test
    void aFixedAddressTemplateBehavesAsOneInstanceAndCannotBeUpdated() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        Peer a = server("a");
        SessionTemplate template = new SessionTemplate(client, "default", instance(a).address());

        Reply<String> reply = template.<String>pullReply("/who", "", String.class).join();

        assertThat(reply.body()).isEqualTo("a");
        assertThat(template.address()).isEqualTo(instance(a).address());
        assertThatThrownBy(() -> template.instances().update(List.of())).isInstanceOf(IllegalStateException.class);
    }
}
