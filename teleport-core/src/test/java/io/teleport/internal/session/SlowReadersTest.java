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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The peer-wide bound on slow readers' bytes, looked at by a write of a session that is itself being
 * closed for its unread replies and the only slow one: it counted no slow reader and divided by that
 * zero, and the reply frame that asked was never freed (a leak seen under the hostile-peer tests).
 */
class SlowReadersTest {

    @Test
    void aWriteOfTheOnlySlowReaderBeingClosedForItsUnreadRepliesIsJudgedWithoutFailing() throws Exception {
        try (ServerSocket remote = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            remote.setReceiveBufferSize(4096);
            Peer client = new Peer(PeerConfig.builder()
                    .limits(Limits.builder().writeBufferWaterMarks(8 * 1024, 16 * 1024).build())
                    .sendBufferSize(8 * 1024).build());
            try {
                Session session = client.dial("127.0.0.1:" + remote.getLocalPort());
                try (Socket never = remote.accept()) {
                    DefaultSession dialed = (DefaultSession) session;
                    // The remote reads nothing: pushes fill the buffers until the session is slow.
                    for (int i = 0; i < 1000 && session.isWritable(); i++) {
                        session.push("/fill", new byte[16 * 1024]);
                    }
                    await().until(() -> dialed.peer.slowReaders.contains(dialed));
                    // On its I/O thread, as writes are judged: the close takes effect only after this task.
                    String verdict = dialed.channel().eventLoop().submit(() -> {
                        assertThat(dialed.outbound().closeStalled(1, 1, 1)).isTrue();
                        return dialed.peer.slowReaders.overLimit(dialed, 1024, 1, 0);
                    }).get(5, TimeUnit.SECONDS);
                    assertThat(verdict).contains("sessions that read too slowly");
                }
            } finally {
                client.shutdown(Duration.ofSeconds(1));
            }
        }
    }
}
