package io.teleport.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class NetworksTest {

    private final List<Peer> peers = new ArrayList<>();

    @org.junit.jupiter.api.extension.RegisterExtension
    final io.teleport.testing.LogCapture messages = io.teleport.testing.LogCapture.of("io.teleport.message",
            ch.qos.logback.classic.Level.DEBUG);

    @AfterEach
    void closeAll() {
        peers.forEach(Peer::close);
        System.clearProperty("teleport.transport.nio");
    }

    private Peer peer(String network) {
        Peer peer = new Peer(PeerConfig.builder().network(network).build());
        peer.pullRouter().route("/echo", String.class, (body, ctx) -> body + " via " + ctx.session().localAddress());
        peers.add(peer);
        return peer;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tcp4AndTcp6OnEpollAndNio(boolean nio) {
        System.setProperty("teleport.transport.nio", String.valueOf(nio));
        assertThat(Transport.detect().isEpoll()).isEqualTo(!nio && io.netty.channel.epoll.Epoll.isAvailable());
        Peer v4 = peer("tcp4");
        int port4 = ((InetSocketAddress) v4.listen("127.0.0.1:0", null)).getPort();
        assertThat(peer("tcp4").dial("127.0.0.1:" + port4).pull("/echo", "hi", String.class)).startsWith("hi via /127.0.0.1");

        Peer v6 = peer("tcp6");
        int port6 = ((InetSocketAddress) v6.listen("[::1]:0", null)).getPort();
        assertThat(peer("tcp6").dial("[::1]:" + port6).pull("/echo", "hi", String.class)).contains("0:0:0:0:0:0:0:1");

        assertThatThrownBy(() -> peer("tcp4").listen("[::1]:0", null)).hasMessageContaining("has no IPv4 address");
        assertThatThrownBy(() -> peer("tcp6").listen("127.0.0.1:0", null)).hasMessageContaining("has no IPv6 address");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void unixDomainSockets(boolean nio, @TempDir Path dir) {
        System.setProperty("teleport.transport.nio", String.valueOf(nio));
        String path = dir.resolve("teleport.sock").toString();
        peer("unix").listen(path, null);
        Session session = peer("unix").dial(path);
        assertThat(session.pull("/echo", "over unix", String.class)).startsWith("over unix via");
        // Unnamed ends have ids of their own making ("@..."), not ones an application gave: no id= in the lines.
        await().until(() -> messages.startingWith("kind=pull-handle").size() == 1);
        assertThat(messages.startingWith("kind=pull-")).hasSize(2)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(" id="));

        // Clients' ends are unnamed: each session still has an id of its own, on both sides.
        Peer server = peers.get(0);
        Session second = peer("unix").dial(path);
        String other = dir.resolve("other.sock").toString();
        peer("unix").listen(other, null);
        Peer client = peer("unix");
        Session toFirst = client.dial(path);
        Session toOther = client.dial(other);
        assertThat(List.of(session.id(), second.id(), toFirst.id(), toOther.id())).doesNotHaveDuplicates()
                .allSatisfy(id -> assertThat(id).startsWith("@"));
        // Log lines name the unnamed end as one, not as nothing ("latest from )": hostile round 13).
        assertThat(Addresses.describe(server.sessions().iterator().next().remoteAddress())).isEqualTo("a unix socket client");
        assertThat(Addresses.describe(session.remoteAddress())).isEqualTo(path);
        // The server lists an accepted session once its own side is up, a moment after the client's dial returns.
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> server.sessionCount() == 3);
        assertThat(client.sessionCount()).isEqualTo(2);
        assertThat(session.pull("/echo", "first", String.class)).startsWith("first");
        assertThat(toFirst.pull("/echo", "a", String.class)).startsWith("a");
        assertThat(toOther.pull("/echo", "b", String.class)).startsWith("b");
    }

    @Test
    void localNetworkPullsAndPushesWithinTheJvm() throws Exception {
        Peer server = peer("local");
        CompletableFuture<String> pushed = new CompletableFuture<>();
        server.pushRouter().route("/note", String.class, (body, ctx) -> pushed.complete(body + " from " + ctx.session().remoteAddress()));
        assertThat(server.listen("local:networks-test", null)).isEqualTo(new LocalAddress("networks-test"));

        Peer client = peer("local");
        CompletableFuture<String> toClient = new CompletableFuture<>();
        client.pushRouter().route("/back", String.class, (body, ctx) -> toClient.complete(body));
        Session session = client.dial("networks-test");
        assertThat(session.pull("/echo", "hi", String.class)).isEqualTo("hi via local:networks-test");
        session.push("/note", "a note");
        assertThat(pushed.get(5, TimeUnit.SECONDS)).startsWith("a note from local:");
        server.pushAll("/back", "to all", s -> true);
        assertThat(toClient.get(5, TimeUnit.SECONDS)).isEqualTo("to all");
        assertThat(Addresses.format(session.remoteAddress())).isEqualTo("local:networks-test");

        assertThat(peer("local").dial("local:networks-test").pull("/echo", "prefixed", String.class)).startsWith("prefixed via");
        assertThatThrownBy(() -> peer("local").dial("nobody-listens")).hasMessageContaining("Dial Failed");
        assertThatThrownBy(() -> peer("local").listen("local:networks-test", null)).hasMessageContaining("address already in use");
    }

    @Test
    void localAddressesAreNamesAndNeedTheLocalNetwork() {
        Addresses.check(Network.LOCAL, "orders");
        Addresses.check(Network.LOCAL, "local:orders");
        assertThat(Network.of("LOCAL")).isEqualTo(Network.LOCAL);
        assertThat(Network.LOCAL.isTcp()).isFalse();
        assertThat(Addresses.format(new LocalAddress("orders"))).isEqualTo("local:orders");
        assertThatThrownBy(() -> Addresses.check(Network.LOCAL, "local: ")).hasMessageContaining("expected: a name without spaces");
        assertThatThrownBy(() -> Addresses.check(Network.LOCAL, "")).hasMessage("address: empty (expected: a name without spaces, or local:name)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "local:orders"))
                .hasMessage("address: local:orders (a local address needs the network local)");
        Addresses.check(Network.TCP, "local:9090");
    }

    @Test
    void anAddressThatIsNoneOfItsNetworksFailsItsCheckNotItsDial() {
        // A property given twice is joined with a comma; an IPv6 host needs its brackets.
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "127.0.0.1:0,127.0.0.1:9101"))
                .hasMessage("address: 127.0.0.1:0,127.0.0.1:9101 (expected: host:port, or [v6]:port)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "::1:9101")).hasMessageContaining("[v6]:port");
        Addresses.check(Network.TCP, "[::1]:9101");
        Addresses.check(Network.TCP, ":9101");
        // The network is the peer's, its dials' too: a TCP address on unix would be dialed as a file.
        assertThatThrownBy(() -> Addresses.check(Network.UNIX, "127.0.0.1:9200"))
                .hasMessageContaining("host:port needs the network tcp");
        assertThatThrownBy(() -> Addresses.check(Network.UNIX, ":9090")).hasMessageContaining("needs the network tcp");
        Addresses.check(Network.UNIX, "/run/gw.sock");
        Addresses.check(Network.UNIX, "gw.sock");
        Addresses.check(Network.UNIX, "./sockets/gw:1");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aUnixSocketARunningServerAnswersOnIsInUseAndAStaleOneIsReplaced(boolean nio, @TempDir Path dir)
            throws Exception {
        System.setProperty("teleport.transport.nio", String.valueOf(nio));
        String path = dir.resolve("teleport.sock").toString();
        peer("unix").listen(path, null);
        // A second server took the first's socket on epoll (and deleted it on stopping).
        assertThatThrownBy(() -> peer("unix").listen(path, null)).hasMessageContaining("Address already in use");
        assertThat(peer("unix").dial(path).pull("/echo", "still", String.class)).startsWith("still");

        // A socket file no server answers on, as a killed one leaves it: NIO refused to listen there.
        Path stale = dir.resolve("stale.sock");
        try (java.nio.channels.ServerSocketChannel killed =
                java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            killed.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();
        peer("unix").listen(stale.toString(), null);
        assertThat(peer("unix").dial(stale.toString()).pull("/echo", "fresh", String.class)).startsWith("fresh");
    }

    @Test
    void unixpacketAndUnknownNetworksAreRefusedByName() {
        assertThatThrownBy(() -> peer("unixpacket"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unixpacket is not supported")
                .hasMessageContaining("supported: tcp, tcp4, tcp6, unix, local");
        assertThatThrownBy(() -> peer("udp")).hasMessageContaining("expected one of: tcp, tcp4, tcp6, unix, local");
    }

    @Test
    void badAddressesAreRefusedWithTheExpectedForm() {
        Peer peer = peer("tcp");
        assertThatThrownBy(() -> peer.listen("nohostport", null)).hasMessageContaining("expected: host:port");
        assertThatThrownBy(() -> peer.listen("127.0.0.1:99999", null)).hasMessageContaining("port 0-65535");
        assertThatThrownBy(() -> peer.dial("127.0.0.1:x")).hasMessageContaining("Dial Failed");
    }

    @Test
    void addressTextIsCheckedWithoutResolvingIt() {
        Addresses.check(Network.TCP, "no-such-host.invalid:9090");
        Addresses.check(Network.TCP, ":0");
        Addresses.check(Network.TCP6, "[::1]:9090");
        Addresses.check(Network.UNIX, "/tmp/teleport.sock");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "")).hasMessage("address: empty (expected: host:port)");
        assertThatThrownBy(() -> Addresses.check(Network.UNIX, " ")).hasMessage("address: empty (expected: a socket file path)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "localhost")).hasMessage("address: localhost (expected: host:port)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "host:http"))
                .hasMessage("address: host:http (expected: a port number after ':')");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "host:70000")).hasMessage("address: host:70000 (expected: port 0-65535)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "my host:1")).hasMessageContaining("(expected: host:port, or [v6]:port)");
        assertThatThrownBy(() -> Addresses.check(Network.TCP, "tcp://host:1")).hasMessageContaining("(expected: host:port");
    }

    @Test
    void servesAChannelConnectedElsewhere() throws Exception {
        Peer server = peer("tcp");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            CompletableFuture<Session> accepted = new CompletableFuture<>();
            LocalAddress address = new LocalAddress("teleport-serve-test");
            new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                    .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                            Channel ch = ctx.channel();
                            ch.pipeline().remove(this);
                            CompletableFuture.runAsync(() -> accepted.complete(server.serve(ch, null)));
                        }
                    })
                    .bind(address).sync();
            Channel clientChannel = new Bootstrap().group(group).channel(LocalChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter()).connect(address).sync().channel();
            Peer client = peer("tcp");
            Session session = client.serve(clientChannel, null);
            Session serverSide = accepted.get(5, TimeUnit.SECONDS);
            assertThat(serverSide.pull("/echo", "local", String.class)).startsWith("local via local:");
            assertThat(session.pull("/echo", "back", String.class)).startsWith("back via local:");
            assertThat(server.sessionCount()).isEqualTo(1);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
