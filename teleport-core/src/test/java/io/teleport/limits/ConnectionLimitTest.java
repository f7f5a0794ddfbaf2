package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.session.Session;
import io.teleport.testing.Frames;
import io.teleport.testing.TestPeers;
import io.teleport.transport.TransportType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link Limits#maxConnections()} over real sockets: at the bound the listener stops accepting, a
 * connection made meanwhile waits in the backlog with what it sent, and is served once another closes.
 */
class ConnectionLimitTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final List<Socket> sockets = new ArrayList<>();

    private Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(5000);
        sockets.add(s);
        return s;
    }

    /** A connection from {@code localIp}, another loopback address than 127.0.0.1. */
    private Socket connectFrom(String localIp, int port) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(localIp, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(5000);
        return s;
    }

    /** A connection that was served a pull. */
    private Socket served(int port) throws IOException {
        return served(connect(port));
    }

    private static Socket served(Socket s) throws IOException {
        pull(s, 1);
        assertThat(reply(s)).isEqualTo("replied");
        return s;
    }

    private static void pull(Socket s, long seq) throws IOException {
        s.getOutputStream().write(Frames.encode(new Packet(PacketType.PULL, seq, "/echo",
                new PreEncoded("\"hi\"".getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j')));
    }

    private static String reply(Socket s) throws IOException {
        return Frames.read(new DataInputStream(s.getInputStream())).bodyBytes().length > 0 ? "replied" : "empty";
    }

    @Test
    void atTheBoundNewConnectionsWaitInTheBacklogUntilOneCloses() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxConnections(2).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();

        // From three addresses: none holds over half of the places (see the test of one that does).
        Socket first = served(connectFrom("127.0.0.2", port));
        served(connectFrom("127.0.0.3", port));
        assertThat(server.stats().acceptedConnections()).isEqualTo(2);
        assertThat(server.stats().acceptPauses()).isEqualTo(1);

        // The kernel completes the handshake; the peer does not take the connection.
        Socket waiting = connect(port);
        pull(waiting, 1);
        waiting.setSoTimeout(500);
        assertThatThrownBy(() -> reply(waiting)).isInstanceOf(SocketTimeoutException.class);
        assertThat(server.stats().acceptedConnections()).isEqualTo(2);
        assertThat(server.stats().connectionsRefused()).isZero();

        first.close();
        waiting.setSoTimeout(5000);
        assertThat(reply(waiting)).as("accepted once one closed, with what it sent meanwhile").isEqualTo("replied");
        await().until(() -> server.stats().acceptedConnections() == 2);
        assertThat(server.stats().acceptPauses()).isEqualTo(2);

        for (Socket s : sockets) {
            s.close();
        }
        await().until(() -> server.stats().acceptedConnections() == 0);
    }

    @Test
    void atTheBoundSilentConnectionsMakeRoomLongBeforeTheirHandshakeTimeout() throws Exception {
        // A host that takes the last place with a connection that says nothing.
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxConnections(3)
                .handshakeTimeout(Duration.ofSeconds(20)).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        // Each from an address of its own: one holding over half the places would give back its idle ones.
        Socket spoke = served(connectFrom("127.0.0.2", port));
        // The first bytes of a frame, the rest slow to come: the frame-read timeout's to judge, not a stray.
        Socket slow = connectFrom("127.0.0.3", port);
        slow.getOutputStream().write(new byte[] {0, 0, 0});
        await().until(() -> server.stats().acceptedConnections() == 2);
        Socket silent = connect(port);
        await().until(() -> server.stats().acceptedConnections() == 3);

        long start = System.nanoTime();
        Socket client = connect(port);
        pull(client, 1);
        assertThat(reply(client)).as("served once the silent one went").isEqualTo("replied");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a tenth of the handshake timeout, not all of it")
                .isLessThan(Duration.ofSeconds(10));
        assertThat(silent.getInputStream().read()).as("closed").isEqualTo(-1);
        assertThat(server.stats().handshakeTimeouts()).isEqualTo(1);
        pull(spoke, 2);
        assertThat(reply(spoke)).as("one that spoke keeps its place").isEqualTo("replied");
        slow.setSoTimeout(300);
        assertThatThrownBy(() -> slow.getInputStream().read()).as("still open").isInstanceOf(SocketTimeoutException.class);
    }

    /**
     * One host held every place with connections that each sent a frame (or a byte) and then nothing:
     * new clients waited in the backlog for as long as it liked, since such connections are no strays
     * (hostile round 11). At the bound, an address holding over half the places gives back its idle
     * connections, down to half; one of its connections that keeps calling keeps its place, as does one
     * whose large frame arrives slowly.
     */
    @Test
    void atTheBoundAnAddressHoldingOverHalfThePlacesGivesBackItsIdleConnections() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxConnections(3)
                .handshakeTimeout(Duration.ofSeconds(10)).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        // All three places from one address: past half of them by two, so two would go were both idle.
        Socket busy = served(port);
        Socket dripping = connect(port);
        // A frame whose body's bytes come one by one: its reads are activity.
        byte[] slowFrame = Frames.encode(new Packet(PacketType.PULL, 1, "/echo", new PreEncoded(
                ("\"" + "x".repeat(2000) + "\"").getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j'));
        dripping.getOutputStream().write(slowFrame, 0, 40);
        int dripped = 40;
        // A frame's first bytes, and nothing more: idle.
        Socket partial = connect(port);
        partial.getOutputStream().write(new byte[] {0, 0, 3});
        await().until(() -> server.stats().acceptedConnections() == 3);

        long start = System.nanoTime();
        Socket other = connectFrom("127.0.0.2", port);
        other.setSoTimeout(8000);
        pull(other, 1);
        long seq = 2;
        // Meanwhile the busy one calls on and the slow frame comes on: a look that finds them active leaves them.
        while (other.getInputStream().available() == 0 && System.nanoTime() - start < 8_000_000_000L) {
            pull(busy, seq++);
            assertThat(reply(busy)).isEqualTo("replied");
            dripping.getOutputStream().write(slowFrame[dripped++]);
            Thread.sleep(100);
        }
        assertThat(reply(other)).as("another address's connection got a place").isEqualTo("replied");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(closedByServer(dripping)).as("the slow frame's connection kept its place").isFalse();
        pull(busy, seq);
        assertThat(reply(busy)).as("the busy one kept its place").isEqualTo("replied");
        assertThat(closedByServer(partial)).as("the idle one went").isTrue();
        assertThat(server.stats().crowdedAddressCloses()).isEqualTo(1);
        assertThat(server.stats().toString()).contains("crowdedAddressCloses=1");
    }

    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout(500);
        try {
            return s.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    /** NIO accepts a batch before the pause applies: those past the bound wait for places, none is closed. */
    @ParameterizedTest
    @EnumSource(value = TransportType.class, names = {"NIO", "AUTO"})
    void connectionsWaitingInTheBacklogAreTakenOneByOneAsPlacesFree(TransportType transport) throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().transport(transport)
                .limits(Limits.builder().maxConnections(2).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Socket s = connect(port);
            pull(s, 1);
            assertThat(reply(s)).isEqualTo("replied");
            held.add(s);
        }
        List<Socket> waiting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Socket s = connect(port);
            pull(s, 1);
            waiting.add(s);
        }
        for (Socket s : held) {
            s.close();
        }
        // Each one served closes and makes room for the next.
        for (Socket s : waiting) {
            assertThat(reply(s)).isEqualTo("replied");
            s.close();
        }
        assertThat(server.stats().connectionsRefused()).isZero();
        await().until(() -> server.stats().acceptedConnections() == 0);
    }

    @Test
    void sessionsThisPeerDialsAreNotCounted() {
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxConnections(1).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().limits(Limits.builder().maxConnections(1).build()).build()));
        client.listen("127.0.0.1:0", null);
        Session session = client.dial("127.0.0.1:" + port);
        assertThat(session.pull("/echo", "x", String.class)).isEqualTo("x");
        assertThat(client.stats().acceptedConnections()).isZero();
        assertThat(server.stats().acceptedConnections()).isEqualTo(1);
    }

    @Test
    void theDefaultFollowsTheHeapAndIsNeverBelowAThousand() {
        assertThat(Limits.defaults().maxConnections())
                .isEqualTo((int) Math.max(1024, Runtime.getRuntime().maxMemory() / (64 * 1024)));
        assertThatThrownBy(() -> Limits.builder().maxConnections(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxConnections: 0 (expected: >= 1)");
    }

    @Test
    void oneAddressHoldsAtMostItsShareAndTheOthersStillGetIn() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder()
                .limits(Limits.builder().maxConnections(10).maxConnectionsPerAddress(2).build()).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("0.0.0.0:0", null)).getPort();

        Socket first = served(port);
        served(port);
        // A third from the same address is closed at once: its read ends.
        Socket third = connect(port);
        assertThat(third.getInputStream().read()).isEqualTo(-1);
        assertThat(server.stats().connectionsRefusedPerAddress()).isEqualTo(1);
        assertThat(server.stats().acceptedConnections()).isEqualTo(2);

        // Another address is not held back by it.
        Socket other = new Socket();
        sockets.add(other);
        other.bind(new InetSocketAddress("127.0.0.2", 0));
        other.connect(new InetSocketAddress("127.0.0.1", port));
        other.setSoTimeout(5000);
        pull(other, 1);
        assertThat(reply(other)).isEqualTo("replied");

        // A place of the address freed is its own again.
        first.close();
        await().until(() -> server.stats().acceptedConnections() == 2);
        served(port);
        assertThat(server.stats().connectionsRefusedPerAddress()).isEqualTo(1);
        for (Socket s : sockets) {
            s.close();
        }
        await().until(() -> server.stats().acceptedConnections() == 0);
    }
}
