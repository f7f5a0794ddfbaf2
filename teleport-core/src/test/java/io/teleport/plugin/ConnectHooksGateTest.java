package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A {@code PostAccept} hook is a gate, as in Go, where a session is read only once its accept hooks
 * passed: no handler runs for a message that arrived while they decided, and one they refuse never
 * reaches one.
 */
class ConnectHooksGateTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private String listen(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
    }

    @Test
    void noHandlerRunsForAConnectionTheAcceptHooksRefuse() throws Exception {
        AtomicInteger served = new AtomicInteger();
        PostAccept denyAll = s -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Rerror(403, "Forbidden", "not on the allow-list");
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), denyAll));
        server.pullRouter().route("/admin/wipe", String.class, (b, ctx) -> {
            served.incrementAndGet();
            return "wiped";
        });
        server.pushRouter().route("/admin/note", String.class, (b, ctx) -> served.incrementAndGet());
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(listen(server));
        session.push("/admin/note", "x");
        assertThatThrownBy(() -> session.pull("/admin/wipe", "x", String.class)).isInstanceOf(RerrorException.class);
        await().until(() -> !session.isHealthy());
        assertThat(served).hasValue(0);
        assertThat(server.stats().inboundBytes()).isZero();
    }

    @Test
    void messagesThatArriveWhileTheHooksDecideAreHandledInOrderOnceTheyPass() throws Exception {
        CountDownLatch decide = new CountDownLatch(1);
        List<String> handled = new CopyOnWriteArrayList<>();
        PostAccept slowAllow = s -> {
            try {
                decide.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.defaults(), slowAllow));
        server.pushRouter().route("/note", String.class, (b, ctx) -> handled.add(b));
        server.pullRouter().route("/echo", String.class, (b, ctx) -> {
            handled.add(b);
            return b;
        });
        Session session = peers.add(new Peer(PeerConfig.defaults())).dial(listen(server));
        session.push("/note", "first");
        var pull = session.pullAsync("/echo", "second", String.class);
        Thread.sleep(200);
        assertThat(handled).as("held while the hook decides").isEmpty();
        decide.countDown();
        assertThat(pull.get(5, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(handled).containsExactly("first", "second");
    }
}
