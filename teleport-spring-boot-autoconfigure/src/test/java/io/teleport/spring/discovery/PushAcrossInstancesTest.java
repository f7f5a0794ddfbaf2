package io.teleport.spring.discovery;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.spring.client.InstanceReply;
import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.RetryPolicy;
import io.teleport.spring.client.RoundRobinLoadBalancer;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.TeleportInstance;
import io.teleport.spring.server.TeleportSessions;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What pushes mean with several instances of a service: each instance reaches the sessions it
 * accepted, and nothing else; a session on any instance is reached by asking every instance
 * ({@link SessionTemplate#pullEach}), and the one holding it pushes.
 */
class PushAcrossInstancesTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /**
     * A gateway instance: devices log in with {@code /login?user=}, which names their session; a
     * back end delivers with {@code /deliver?user=}, answered true by the instance that holds the user.
     */
    private Peer gateway() {
        Peer gateway = peers.add(new Peer(PeerConfig.defaults()));
        TeleportSessions sessions = new TeleportSessions(gateway);
        gateway.pullRouter().route("/login", Void.class, (body, ctx) -> {
            ctx.session().setId(ctx.queryValue("user"));
            return true;
        });
        gateway.pullRouter().route("/deliver", String.class, (body, ctx) -> sessions.find(ctx.queryValue("user"))
                .map(device -> device.push("/inbox/message", body).thenApply(done -> true))
                .orElse(null) != null);
        gateway.listen("127.0.0.1:0", null);
        return gateway;
    }

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    /** A device logged in as {@code user} on {@code gateway}, whose inbox fills with the pushes it gets. */
    private Session device(Peer gateway, String user, BlockingQueue<String> inbox) {
        Peer device = peers.add(new Peer(PeerConfig.defaults()));
        device.pushRouter().route("/inbox/message", String.class, (body, ctx) -> inbox.add(user + ": " + body));
        Session session = device.dial(address(gateway));
        assertThat(session.pull("/login?user=" + user, null, Boolean.class)).isTrue();
        return session;
    }

    @Test
    void eachInstanceReachesItsOwnSessionsAndAFanOutReachesAUserOnAnyInstance() throws Exception {
        Peer first = gateway();
        Peer second = gateway();
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        device(first, "ann", inbox);
        device(second, "bob", inbox);

        // A broadcast is per instance: the first gateway's reaches ann only.
        assertThat(new TeleportSessions(first).pushAll("/inbox/message", "news").get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(inbox.poll(5, TimeUnit.SECONDS)).isEqualTo("ann: news");
        assertThat(inbox.poll(200, TimeUnit.MILLISECONDS)).isNull();

        // The back end does not know where bob is: it asks every gateway.
        Peer backEnd = peers.add(new Peer(PeerConfig.defaults()));
        RemoteInstances gateways = RemoteInstances.discovered(backEnd, "gateway", "gateway", new RoundRobinLoadBalancer());
        gateways.update(List.of(TeleportInstance.of(address(first)), TeleportInstance.of(address(second))));
        SessionTemplate template = new SessionTemplate(gateways, List.of(), List.of(), RetryPolicy.DEFAULT);

        List<InstanceReply<Boolean>> answers = template.<Boolean>pullEach("/deliver?user=bob", "hi bob", Boolean.class)
                .get(5, TimeUnit.SECONDS);

        assertThat(answers).allMatch(InstanceReply::isSuccess);
        assertThat(answers).extracting(a -> a.reply().body()).containsExactly(false, true);
        assertThat(inbox.poll(5, TimeUnit.SECONDS)).isEqualTo("bob: hi bob");
        assertThat(inbox.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }
}
