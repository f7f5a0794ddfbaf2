package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two default peers, one pipelining large pulls at the other: each side's outbound buffer passes its
 * high water mark (the pulls on one side, the replies on the other). Had both stopped reading, as a
 * pause on the high water mark alone would make them, neither would drain and every pull would time
 * out; the side awaiting replies reads on.
 */
class PipelinedLargePullsTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void pullsWhoseBodiesFillBothSidesBuffersAllComplete() throws Exception {
        // Small socket buffers, so that the kernel does not absorb what the buffers hold (loopback's
        // grow to megabytes) and the outcome does not depend on its tuning.
        Peer server = peers.add(new Peer(PeerConfig.builder().receiveBufferSize(64 * 1024).sendBufferSize(64 * 1024)
                .build()));
        server.pullRouter().route("/echo", byte[].class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().receiveBufferSize(64 * 1024).sendBufferSize(64 * 1024)
                .pullTimeout(Duration.ofSeconds(30)).build()));
        Session session = client.dial("127.0.0.1:" + port);

        // 20 frames of 350 KB (the bytes in base64, JSON being the default codec): 7 MB, over the 1 MiB
        // high water mark both ways, under the 8 MiB outbound limit.
        // Sent as fast as they are made (one array), so that they pile up before the first is read.
        byte[] body = new byte[256 * 1024];
        List<CompletableFuture<byte[]>> pulls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pulls.add(session.pullAsync("/echo", body, byte[].class));
        }
        for (CompletableFuture<byte[]> pull : pulls) {
            assertThat(pull.get(30, TimeUnit.SECONDS)).hasSize(body.length);
        }
        assertThat(client.stats().pausedSessions()).isZero();
        assertThat(session.pull("/echo", new byte[] {1}, byte[].class)).containsExactly(1);
    }
}
