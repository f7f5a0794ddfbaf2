package io.teleport.transport;

import io.netty.channel.uring.IoUring;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which transport a peer gets: the best native one that loads, NIO as the fallback, a named one or a clear failure. */
class TransportSelectionTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private static TransportType resolve(TransportType requested, Set<TransportType> loading) {
        return Transport.resolve(requested,
                type -> type == TransportType.NIO || loading.contains(type) ? null : new UnsatisfiedLinkError("no " + type));
    }

    @Test
    void autoTakesEpollThenKqueueThenFallsBackToNio() {
        assertThat(resolve(TransportType.AUTO, Set.of(TransportType.EPOLL, TransportType.IO_URING))).isEqualTo(TransportType.EPOLL);
        assertThat(resolve(TransportType.AUTO, Set.of(TransportType.KQUEUE))).isEqualTo(TransportType.KQUEUE);
        assertThat(resolve(TransportType.AUTO, Set.of(TransportType.IO_URING))).as("io_uring only when named")
                .isEqualTo(TransportType.NIO);
        assertThat(resolve(TransportType.AUTO, Set.of())).isEqualTo(TransportType.NIO);
        assertThat(resolve(TransportType.NIO, Set.of())).isEqualTo(TransportType.NIO);
    }

    @Test
    void aNamedNativeTransportThatCannotLoadFailsThePeerWithTheReason() {
        // This machine is Linux: kqueue's native library is not there to load.
        assertThatThrownBy(() -> new Peer(PeerConfig.builder().transport(TransportType.KQUEUE).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("transport kqueue cannot be used here").hasMessageContaining("use auto or nio")
                // The reason is Netty's, not the null message of the error that wraps it.
                .hasMessageNotContaining("null");
    }

    @Test
    void onLinuxWithTheEpollJarAutoIsEpollAndNioCanBeNamed() {
        Peer auto = peers.add(new Peer(PeerConfig.defaults()));
        Peer nio = peers.add(new Peer(PeerConfig.builder().transport(TransportType.NIO).build()));

        assertThat(auto.transport()).isEqualTo(TransportType.EPOLL);
        assertThat(nio.transport()).isEqualTo(TransportType.NIO);
        nio.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) nio.listen("127.0.0.1:0", null)).getPort();
        assertThat(auto.dial("127.0.0.1:" + port).pull("/echo", "across transports", String.class))
                .isEqualTo("across transports");
    }

    @Test
    void ioUringServesWhenTheKernelAllowsItAndFailsClearlyWhenNot() {
        PeerConfig config = PeerConfig.builder().transport(TransportType.IO_URING).build();
        if (!IoUring.isAvailable()) {
            // Containers often forbid io_uring: asking for it must say why rather than fall back silently.
            assertThatThrownBy(() -> new Peer(config)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("transport io-uring cannot be used here");
            return;
        }
        Peer server = peers.add(new Peer(config));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(config));
        assertThat(server.transport()).isEqualTo(TransportType.IO_URING);
        assertThat(client.dial("127.0.0.1:" + port).pull("/echo", "over io_uring", String.class)).isEqualTo("over io_uring");
    }

    @Test
    void namesAreTheConfigurationOnes() {
        assertThat(TransportType.of(null)).isEqualTo(TransportType.AUTO);
        assertThat(TransportType.of(" io_uring ")).isEqualTo(TransportType.IO_URING);
        assertThat(TransportType.of("EPOLL")).isEqualTo(TransportType.EPOLL);
        assertThat(TransportType.IO_URING.configName()).isEqualTo("io-uring");
        assertThatThrownBy(() -> TransportType.of("dpdk")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: auto, nio, epoll, kqueue or io-uring");
    }
}
