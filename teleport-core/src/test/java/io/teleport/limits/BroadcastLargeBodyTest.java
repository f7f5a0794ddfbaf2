package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broadcast whose frame is larger than the write high water mark makes every session it reaches
 * slow at once, together past twice the peer's outbound bound: peers that read drain it within
 * milliseconds and must not be closed for it (new-user trial 16 lost 13 of 100 readers to one push of
 * 1.1 MB, 169 of 200 to one of 2 MB).
 */
class BroadcastLargeBodyTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static final int READERS = 24;
    private static final int BODY = 2 * 1024 * 1024;
    private static final int ROUNDS = 3;

    @Test
    void readersOfABroadcastOverTheHighWaterMarkAreNotClosedForIt() throws Exception {
        // A small send buffer stands in for a network the kernel cannot hand 2 MB to at once.
        Peer server = peers.add(new Peer(PeerConfig.builder().sendBufferSize(64 * 1024)
                .limits(Limits.builder().maxOutboundBytes(1024 * 1024).build()).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        AtomicInteger got = new AtomicInteger();
        List<Session> readers = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
            Peer reader = peers.add(new Peer(PeerConfig.defaults()));
            reader.pushRouter().route("/big", byte[].class, (body, ctx) -> got.addAndGet(body.length == BODY ? 1 : 1000));
            readers.add(reader.dial("127.0.0.1:" + port));
        }
        await().until(() -> server.sessions().size() == READERS);

        for (int round = 1; round <= ROUNDS; round++) {
            int expected = round * READERS;
            assertThat(server.pushAll("/big", new byte[BODY], s -> true).get(10, TimeUnit.SECONDS)).isEqualTo(READERS);
            await().atMost(20, TimeUnit.SECONDS).until(() -> got.get() >= expected);
        }
        assertThat(got.get()).as("every reader got every push, whole").isEqualTo(ROUNDS * READERS);
        assertThat(server.stats().unreadReplyCloses()).as("readers closed as slow").isZero();
        assertThat(readers).allMatch(Session::isHealthy);
        assertThat(server.sessions()).hasSize(READERS);
    }
}
