package io.teleport.internal.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.session.Session;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A dialed session whose connection broke while it was over its high water mark is no slow reader
 * once it redials: its new connection starts writable, with no event to say so, and a stale mark
 * would make it look like the longest slow reader at the peer-wide outbound bound.
 */
class SlowReadersRedialTest {

    @Test
    void aSessionWhoseConnectionBrokeWhileSlowIsNoSlowReaderAfterItRedials() throws Exception {
        try (ServerSocket remote = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            remote.setReceiveBufferSize(4096);
            Peer client = new Peer(PeerConfig.builder().redialTimes(-1).redialInterval(Duration.ofMillis(50))
                    .limits(Limits.builder().writeBufferWaterMarks(8 * 1024, 16 * 1024).build())
                    .sendBufferSize(8 * 1024).build());
            try {
                Session session = client.dial("127.0.0.1:" + remote.getLocalPort());
                Socket first = remote.accept();
                DefaultSession dialed = (DefaultSession) session;
                // The remote reads nothing: pushes fill the buffers until the session is slow.
                for (int i = 0; i < 1000 && session.isWritable(); i++) {
                    session.push("/fill", new byte[16 * 1024]);
                }
                await().until(() -> dialed.peer.slowReaders.contains(dialed));

                first.setSoLinger(true, 0);
                first.close();
                try (Socket second = remote.accept()) {
                    await().until(session::isHealthy);
                    await().atMost(Duration.ofSeconds(2)).until(() -> !dialed.peer.slowReaders.contains(dialed));
                    assertThat(dialed.outbound().slowSinceNanos).isZero();
                }
            } finally {
                client.shutdown(Duration.ofSeconds(1));
            }
        }
    }
}
