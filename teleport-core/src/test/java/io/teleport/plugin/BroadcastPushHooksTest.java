package io.teleport.plugin;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A push gateway with a "muted users" plugin that asks a store in PreWritePush. The plugin does not
 * claim nonBlocking(), so a broadcast runs its hook off the I/O threads, as a single push does.
 */
class BroadcastPushHooksTest {
    @RegisterExtension final TestPeers peers = new TestPeers();

    static final class MuteCheck implements PreWritePush {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        public Rerror preWritePush(WriteContext c) {
            threads.add(Thread.currentThread().getName());
            try { Thread.sleep(50); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            return null;
        }
    }

    @Test
    void aBroadcastRunsPushHooksThatMayBlockOffTheIoThreads() throws Exception {
        MuteCheck mute = new MuteCheck();
        Peer server = peers.add(new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").ioThreads(1).build(), mute));
        server.pullRouter().route("/ping", String.class, (b, ctx) -> "pong");
        String addr = server.listen().toString().replace("/", "");
        List<Session> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) clients.add(peers.add(new Peer(PeerConfig.defaults())).dial(addr));
        Session probe = clients.get(0);
        probe.pull("/ping", "", String.class);
        CompletableFuture<Integer> all = server.pushAll("/news", "hello", s -> true);
        assertThat(probe.pull("/ping", "", String.class)).isEqualTo("pong");
        assertThat(all.get(10, TimeUnit.SECONDS)).isEqualTo(20);
        assertThat(mute.threads).isNotEmpty().noneMatch(t -> t.startsWith("teleport-io"));
    }

    /** Which sessions a broadcast reached: a PostWritePush plugin sees each frame written, with its session. */
    @Test
    void aPostWritePushPluginSeesEachSessionABroadcastReached() throws Exception {
        Set<String> reached = ConcurrentHashMap.newKeySet();
        PostWritePush seen = c -> {
            reached.add(c.session().id());
            return null;
        };
        Peer server = peers.add(new Peer(PeerConfig.builder().listenAddress("127.0.0.1:0").build(), seen));
        String addr = server.listen().toString().replace("/", "");
        for (int i = 0; i < 5; i++) {
            peers.add(new Peer(PeerConfig.defaults())).dial(addr);
        }
        org.awaitility.Awaitility.await().until(() -> server.sessions().size() == 5);
        assertThat(server.pushAll("/news", "hello", s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(5);
        org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(reached)
                .containsExactlyInAnyOrderElementsOf(server.sessions().stream().map(Session::id).toList()));
    }
}
