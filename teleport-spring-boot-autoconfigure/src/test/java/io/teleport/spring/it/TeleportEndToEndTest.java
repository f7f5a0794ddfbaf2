package io.teleport.spring.it;

import io.micrometer.core.instrument.MeterRegistry;
import io.teleport.Peer;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.spring.actuate.TeleportHealthIndicator;
import io.teleport.spring.actuate.TeleportSessionsEndpoint;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.server.TeleportSessions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.setMeta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A server context (this test's) and a client context talking over loopback: controllers
 * discovered, plugins in order, calls both ways, meters, the actuator endpoint, graceful close.
 */
@SpringBootTest(classes = ServerApp.class, properties = {
    "teleport.server.listen-address=127.0.0.1:0",
    "teleport.slow-comet-duration=300ms",
    "spring.main.banner-mode=off"})
class TeleportEndToEndTest {

    @Autowired
    Peer server;

    @Autowired
    MeterRegistry meters;

    @Autowired
    TeleportSessions sessions;

    @Autowired
    TeleportSessionsEndpoint endpoint;

    @Autowired
    TeleportHealthIndicator health;

    private ConfigurableApplicationContext client;

    private SessionTemplate startClient() {
        int port = ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
        client = new SpringApplicationBuilder(ClientApp.class).properties(
                "teleport.client.address=127.0.0.1:" + port, "spring.main.banner-mode=off").run();
        return client.getBean(SessionTemplate.class);
    }

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void theWholeExchange() throws Exception {
        SessionTemplate teleport = startClient();

        @SuppressWarnings("unchecked")
        Map<String, Object> reply = teleport.pull("/group/home/test?peer_id=call-1", Map.of("a", 1), Map.class,
                setMeta("set", "0"));
        assertThat(reply).containsEntry("peer_id", "call-1").containsEntry("set", "0")
                .containsEntry("path", "/group/home/test").containsEntry("your_args", Map.of("a", 1));
        await().until(() -> ClientApp.PUSHES.contains("from home-test call-1"));

        assertThat(teleport.pull("/group/math/add", new int[] {2, 3}, Integer.class)).isEqualTo(5);
        assertThat(teleport.pullAsync("/group/home/later", "x", String.class).get(5, TimeUnit.SECONDS)).isEqualTo("later x");
        assertThat(teleport.pull("/nowhere?x=1", null, Map.class).get("unknown")).isEqualTo("/nowhere?x=1");
        assertThatThrownBy(() -> teleport.pull("/group/home/refuse", "no", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(1001));

        // Plugins in @Order; the controller's own plugin only on its routes.
        assertThat(teleport.pull("/audited/audited/echo", "e", String.class)).isEqualTo("e");
        List<String> calls = ServerApp.PLUGIN_CALLS;
        assertThat(calls).containsSubsequence("earlier /group/math/add", "later /group/math/add");
        assertThat(calls).contains("route-only /audited/audited/echo").doesNotContain("route-only /group/math/add");

        // The server reaches the client's session and pulls and pushes to it.
        await().until(() -> sessions.count() == 1);
        Session back = sessions.all().iterator().next();
        assertThat(back.pull("/client_info/name", "who?", String.class)).isEqualTo("client answers who?");
        assertThat(sessions.pushAll("/push/test?tag=broadcast", Map.of("your_id", "all")).get(5, TimeUnit.SECONDS))
                .isEqualTo(1);
        await().until(() -> ClientApp.PUSHES.contains("broadcast all"));
        assertThat(sessions.find(back.id())).containsSame(back);

        // Meters, with the route (never the raw URI) and the code.
        // Hooks that record meters run after the write, so a meter may lag the reply a moment.
        await().untilAsserted(() -> {
            assertThat(meters.get("teleport.pull.handle").tag("route", "/group/home/test").tag("code", "0")
                    .tag("outcome", "SUCCESS").timer().count()).isEqualTo(1);
            assertThat(meters.get("teleport.pull.handle").tag("route", "/group/home/refuse").tag("code", "1001")
                    .tag("outcome", "ERROR").timer().count()).isEqualTo(1);
            assertThat(meters.get("teleport.pull.launch").tag("route", "/client_info/name").timer().count()).isEqualTo(1);
            assertThat(meters.get("teleport.push.launch").tag("route", "/push/test").timer().count()).isEqualTo(2);
            assertThat(meters.get("teleport.sessions.active").gauge().value()).isEqualTo(1.0);
            assertThat(meters.get("teleport.sessions.opened").counter().count()).isGreaterThanOrEqualTo(1.0);
            assertThat(meters.get("teleport.data.read").counter().count()).isPositive();
            // Netty's direct memory, which it counts itself (the frames' buffers are its default allocator's).
            assertThat(meters.get("netty.allocator.memory.used").tag("memory.type", "direct").gauge().value()).isPositive();
        });
        assertThat(meters.find("teleport.pull.handle").tag("route", "/group/home/test?peer_id=call-1").timer()).isNull();
        // Boot's observation and metrics auto-configuration make these timers from observations.
        assertThat(meters.get("teleport.pull.handle").tag("route", "/group/home/test").timer().getId().getTag("error"))
                .isEqualTo("none");

        // The actuator sees the session and the health.
        TeleportSessionsEndpoint.SessionsDescriptor described = endpoint.sessions();
        assertThat(described.sessions()).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo(back.id());
            assertThat(s.healthy()).isTrue();
            assertThat(s.dialed()).as("the client's session, accepted").isFalse();
        });
        assertThat(described.dialed()).isZero();
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
        assertThat(health.health(true).getDetails()).containsEntry("sessions", 1).containsEntry("accepted", 1);

        // The slow-call counter.
        io.micrometer.core.instrument.Counter slowCalls = meters.find("teleport.calls.slow").tag("kind", "pull-handle")
                .tag("route", "/group/home/slow").counter();
        double before = slowCalls == null ? 0 : slowCalls.count();
        teleport.pull("/group/home/slow", "s", String.class);
        // Recorded by the reply's post-write hook, which may finish just after the caller has its reply.
        await().until(() -> meters.find("teleport.calls.slow").tag("kind", "pull-handle").tag("route", "/group/home/slow")
                .counter() != null && meters.get("teleport.calls.slow").tag("kind", "pull-handle")
                .tag("route", "/group/home/slow").counter().count() == before + 1);
    }

    @Test
    void closingTheClientContextLosesNoReply() throws Exception {
        SessionTemplate teleport = startClient();
        int began = ServerApp.SLOW_STARTED.get();
        CompletableFuture<String> slow = teleport.pullAsync("/group/home/slow", "last", String.class);
        await().until(() -> ServerApp.SLOW_STARTED.get() > began);
        client.close();
        client = null;
        assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("slow last");
        await().until(() -> sessions.count() == 0);
    }

    @Test
    void theEndpointClosesASession() {
        startClient().pull("/group/math/add", new int[] {1, 1}, Integer.class);
        await().until(() -> sessions.count() == 1);
        String id = sessions.all().iterator().next().id();
        assertThat(endpoint.close(id)).isEqualTo(new TeleportSessionsEndpoint.CloseDescriptor(id, true));
        // The client redials (remotes do by default): the closed session is gone, a new one comes.
        await().until(() -> sessions.find(id).isEmpty() && sessions.count() == 1);
        assertThat(endpoint.close("nobody").closed()).isFalse();
    }
}
