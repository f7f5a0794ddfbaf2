package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.plugin.PostReadPushBody;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Pushes dropped before their handler are counted: a push has no reply to say so. */
class PushesDroppedTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void pushesWithNoRouteABadBodyOrARefusalAreCounted() {
        PostReadPushBody refusing = ctx -> Integer.valueOf(13).equals(ctx.body())
                ? new Rerror(403, "Forbidden", "unlucky") : null;
        Peer server = peers.add(new Peer(PeerConfig.defaults(), refusing));
        AtomicInteger handled = new AtomicInteger();
        server.pushRouter().route("/n", Integer.class, (n, ctx) -> handled.incrementAndGet());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial("127.0.0.1:" + port);

        session.push("/nowhere", 1).join();
        session.push("/n", "not a number").join();
        session.push("/n", 13).join();
        session.push("/n", 5).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 1 && server.stats().pushesDropped() == 3);
        assertThat(server.stats().pushesRefused()).as("not for want of a handler slot").isZero();
        assertThat(server.stats().toString()).contains("pushesDropped=3");
    }
}
