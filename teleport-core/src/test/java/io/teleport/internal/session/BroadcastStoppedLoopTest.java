package io.teleport.internal.session;

import io.netty.channel.EventLoop;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broadcast that meets an I/O thread already stopped (a peer in the last step of its shutdown)
 * still completes, with what the running threads handed, instead of throwing at its caller.
 */
class BroadcastStoppedLoopTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aStoppedIoThreadIsPassedByAndTheFutureCompletes() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().ioThreads(2).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        for (int i = 0; i < 6; i++) {
            client.dial("127.0.0.1:" + port);
        }
        await().until(() -> server.sessionCount() == 6);
        Set<EventLoop> loops = ConcurrentHashMap.newKeySet();
        server.sessions().forEach(s -> loops.add(((DefaultSession) s).channel().eventLoop()));
        assertThat(loops).hasSize(2);
        EventLoop stopped = loops.iterator().next();
        // Stopped from inside the selector: the sessions are still listed when the broadcast hands out
        // its per-thread tasks, as they may be when a shutdown's I/O threads stop.
        int handed = server.pushAll("/news", "hi", (Session s) -> {
            EventLoop loop = ((DefaultSession) s).channel().eventLoop();
            if (loop == stopped && !stopped.isTerminated()) {
                stopped.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(5_000);
            }
            return true;
        }).get(5, TimeUnit.SECONDS);
        long onRunning = server.sessions().stream()
                .filter(s -> ((DefaultSession) s).channel().eventLoop() != stopped).count();
        assertThat(handed).isEqualTo((int) onRunning).isPositive();
    }
}
