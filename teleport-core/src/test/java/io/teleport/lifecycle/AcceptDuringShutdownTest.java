package io.teleport.lifecycle;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection the server accepted just before it shut down is closed with it. Netty leaves open a
 * child registered after its I/O thread began to stop; before the fix about one run in ten left the
 * client's session open forever, and the server's socket leaked.
 */
class AcceptDuringShutdownTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aConnectionAcceptedAsTheServerShutsDownIsClosedWithIt() {
        Peer client = peers.add(new Peer(PeerConfig.defaults()));
        for (int i = 0; i < 100; i++) {
            Peer server = new Peer(PeerConfig.defaults());
            int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
            // The client's dial returns once its own end is up: the server may not have registered
            // its end yet when its shutdown starts.
            Session session = client.dial("127.0.0.1:" + port);
            server.shutdown(Duration.ofSeconds(1));
            int round = i;
            assertThat(session.closeFuture()).as("round %d", round).succeedsWithin(Duration.ofSeconds(3));
        }
    }
}
