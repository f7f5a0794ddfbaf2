package io.teleport.spring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The paths of received pushes are the sender's choice: {@code teleport.push.handle} tags them by the
 * route they reach or {@code NOT_FOUND}, so a peer pushing to many made-up paths neither grows the
 * registry nor uses up the tag values this side's own calls are named by.
 */
class PushRouteTagsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void pushesToMadeUpPathsAreNotFoundAndLeaveThisSidesOwnPathsTheirNames() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        Peer server = peers.add(new Peer(PeerConfig.defaults(), new MicrometerPlugin(meters)));
        CountDownLatch news = new CountDownLatch(1);
        server.pushRouter().route("/news", String.class, (body, ctx) -> news.countDown());
        server.listen("127.0.0.1:0", null);
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        CountDownLatch out = new CountDownLatch(1);
        client.pushRouter().route("/out", String.class, (body, ctx) -> out.countDown());
        Session session = client.dial(PullOutcomes.address(server));

        int junk = BoundedPaths.MAX + 44;
        for (int i = 0; i < junk; i++) {
            session.push("/junk/" + i + "?q=" + i, "x").join();
        }
        session.push("/news", "hello").join();
        // Escaped, as the router reads it.
        session.push("/ne%77s?x=1", "hello").join();
        assertThat(news.await(10, TimeUnit.SECONDS)).isTrue();
        await().untilAsserted(() -> assertThat(pushes(meters, "NOT_FOUND")).isEqualTo(junk));
        await().untilAsserted(() -> assertThat(pushes(meters, "/news")).isEqualTo(2));
        assertThat(meters.find("teleport.push.handle").counters()).as("one series per route, one for no route")
                .hasSize(2).allSatisfy(c -> assertThat(c.getId().getDescription()).as("Prometheus' HELP line")
                        .isEqualTo("Pushes handled"));

        server.sessions().forEach(s -> s.push("/out", "to the client").join());
        assertThat(out.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(meters.find("teleport.push.launch").tag("route", "/out").timer())
                .as("this side's own push keeps its path").isNotNull();
        assertThat(meters.find("teleport.push.launch").tag("route", TeleportTags.OTHER).timer()).isNull();
    }

    @Test
    void aPushIsCountedOnceItsHandlerHasReturnedAndOnceWhenTheUnknownHandlerTakesIt() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        Peer server = peers.add(new Peer(PeerConfig.defaults(), new MicrometerPlugin(meters)));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.pushRouter().route("/slow", String.class, (body, ctx) -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
        });
        CountDownLatch unknown = new CountDownLatch(3);
        server.pushRouter().setUnknown(ctx -> unknown.countDown());
        server.listen("127.0.0.1:0", null);
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));

        session.push("/slow", "x").join();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(pushes(meters, "/slow")).as("not while its handler runs").isZero();
        release.countDown();
        await().untilAsserted(() -> assertThat(pushes(meters, "/slow")).isEqualTo(1));

        for (int i = 0; i < 3; i++) {
            session.push("/nowhere/" + i, "x").join();
        }
        assertThat(unknown.await(10, TimeUnit.SECONDS)).isTrue();
        await().untilAsserted(() -> assertThat(pushes(meters, "NOT_FOUND")).isEqualTo(3));
        Thread.sleep(100);
        assertThat(pushes(meters, "NOT_FOUND")).as("once each, not again by the unknown handler").isEqualTo(3);
    }

    /** A slow push handler's alarm is counted as a slow pull's is (new-user trial 13: the log had it, the counter not). */
    @Test
    void aSlowPushHandlerIsCountedInCallsSlow() throws Exception {
        MeterRegistry meters = new SimpleMeterRegistry();
        Peer server = peers.add(new Peer(PeerConfig.builder().slowCometDuration(java.time.Duration.ofMillis(100)).build(),
                new MicrometerPlugin(meters)));
        server.pushRouter().route("/sluggish", String.class, (body, ctx) -> Thread.sleep(body.equals("slow") ? 300 : 0));
        server.listen("127.0.0.1:0", null);
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(PullOutcomes.address(server));

        session.push("/sluggish", "fast").join();
        session.push("/sluggish", "slow").join();
        await().untilAsserted(() -> assertThat(pushes(meters, "/sluggish")).isEqualTo(2));
        // Counted just after the push itself, on the handler's thread: it may come a moment later (it failed once in CI).
        await().untilAsserted(() -> {
            Counter slow = meters.find("teleport.calls.slow").tag("kind", "push-handle").tag("route", "/sluggish").counter();
            assertThat(slow).isNotNull();
            assertThat(slow.count()).as("the slow one only").isEqualTo(1);
        });
    }

    private static double pushes(MeterRegistry meters, String route) {
        Counter counter = meters.find("teleport.push.handle").tag("route", route).counter();
        return counter == null ? 0 : counter.count();
    }
}
