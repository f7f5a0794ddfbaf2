package io.teleport.session;

import io.teleport.Peer;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A blocking pull is refused on every I/O thread of the peer, not only on the session's own. */
class BlockingPullGuardTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer peer(PeerConfig config) {
        return peers.add(new Peer(config));
    }

    @Test
    void anInlineHandlerOfOneSessionCannotBlockOnAPullOfAnotherSessionOnAnotherLoop() {
        Peer server = peer(PeerConfig.builder().handlerExecution(HandlerExecution.INLINE).ioThreads(2).build());
        server.pullRouter().route("/relay", String.class, (otherId, ctx) -> {
            Session other = server.session(otherId).orElseThrow();
            try {
                return "pulled " + other.pull("/echo", "x", String.class);
            } catch (IllegalStateException refused) {
                return "refused: " + refused.getMessage();
            }
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peer(PeerConfig.defaults());
        client.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        List<Session> dialed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            dialed.add(client.dial("127.0.0.1:" + port));
        }
        await().until(() -> server.sessionCount() == 4);

        // Two of the server's sessions served by different I/O threads: A's handler pulls on B.
        List<Session> accepted = new ArrayList<>(server.sessions());
        DefaultSession a = (DefaultSession) accepted.get(0);
        DefaultSession b = (DefaultSession) accepted.stream()
                .filter(s -> ((DefaultSession) s).channel().eventLoop() != a.channel().eventLoop())
                .findFirst().orElseThrow();
        Session fromA = dialed.stream().filter(s -> s.localAddress().equals(a.remoteAddress())).findFirst().orElseThrow();

        assertThat(fromA.pull("/relay", b.id(), String.class))
                .startsWith("refused: a blocking pull on an I/O thread");
    }
}
