package io.teleport.transport;

import ch.qos.logback.classic.Level;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** TLS and mutual TLS between two peers, with certificates made for the test. */
class TlsTest {

    private static X509Bundle ca;
    private static X509Bundle server;
    private static X509Bundle client;
    private static X509Bundle stranger;
    private final List<Peer> peers = new ArrayList<>();
    @RegisterExtension
    final LogCapture log = LogCapture.of("io.teleport.internal.session", Level.WARN);
    @RegisterExtension
    final LogCapture peerLog = LogCapture.of("io.teleport.Peer", Level.INFO);

    @BeforeAll
    static void certificates() throws Exception {
        CertificateBuilder template = new CertificateBuilder().ecp256().notAfter(java.time.Instant.now().plus(Duration.ofDays(1)));
        ca = template.copy().subject("CN=teleport test CA").setIsCertificateAuthority(true).buildSelfSigned();
        server = template.copy().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        client = template.copy().subject("CN=client").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        stranger = template.copy().subject("CN=stranger").setIsCertificateAuthority(true).buildSelfSigned();
    }

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private String listen(SslContext context) {
        Peer peer = new Peer(PeerConfig.builder().serverSslContext(context).build());
        peers.add(peer);
        peer.pullRouter().route("/secret", String.class, (body, ctx) -> "told " + body);
        return "127.0.0.1:" + ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
    }

    private Session dial(String address, SslContext context) {
        Peer peer = new Peer(PeerConfig.builder().clientSslContext(context).dialTimeout(Duration.ofSeconds(5)).build());
        peers.add(peer);
        return peer.dial(address);
    }

    @Test
    void aConnectionThatNeverStartsItsTlsHandshakeIsClosedEvenWhenPlacesAreMany() throws Exception {
        Limits limits = Limits.builder().handshakeTimeout(Duration.ofMillis(300)).build();
        Peer peer = new Peer(PeerConfig.builder().limits(limits)
                .serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory()).build()).build());
        peers.add(peer);
        int port = ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
        // The listen line says it speaks TLS (new-user trial 17 had to ask openssl).
        assertThat(peerLog.lines("listen ok")).singleElement().asString().contains(":" + port + ", tls, handlers: ");
        try (java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
            silent.setSoTimeout(5000);
            assertThat(silent.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        }
        assertThat(peer.stats().handshakeTimeouts()).isEqualTo(1);
        // Not only counted: thousands of stalled handshakes are something to see in the log.
        assertThat(log.warnings("connections closed for no frame within handshake-timeout")).singleElement().asString()
                .contains("(TLS handshake not finished)");
    }

    /** The subject of the certificate the other side of {@code session} presented. */
    private static String peerSubject(Session session) throws Exception {
        io.netty.handler.ssl.SslHandler tls = ((io.teleport.internal.session.DefaultSession) session).channel().pipeline()
                .get(io.netty.handler.ssl.SslHandler.class);
        return ((java.security.cert.X509Certificate) tls.engine().getSession().getPeerCertificates()[0])
                .getSubjectX500Principal().getName();
    }

    @Test
    void replacedContextsServeTheNewConnectionsWhileOpenOnesKeepTheirs() throws Exception {
        X509Bundle renewed = new CertificateBuilder().ecp256().notAfter(java.time.Instant.now().plus(Duration.ofDays(1)))
                .subject("CN=renewed").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        Peer serverPeer = new Peer(PeerConfig.builder()
                .serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory()).build()).build());
        peers.add(serverPeer);
        serverPeer.pullRouter().route("/secret", String.class, (body, ctx) -> "told " + body);
        String address = "127.0.0.1:" + ((InetSocketAddress) serverPeer.listen("127.0.0.1:0", null)).getPort();
        SslContext trusting = SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build();
        Peer clientPeer = new Peer(PeerConfig.builder().clientSslContext(trusting).dialTimeout(Duration.ofSeconds(5)).build());
        peers.add(clientPeer);
        Session before = clientPeer.dial(address);
        assertThat(peerSubject(before)).isEqualTo("CN=localhost");

        serverPeer.tls().replace(SslContextBuilder.forServer(renewed.toKeyManagerFactory()).build(), null);
        Session after = clientPeer.dial(address);
        assertThat(after.pull("/secret", "a", String.class)).isEqualTo("told a");
        assertThat(peerSubject(after)).isEqualTo("CN=renewed");
        assertThat(before.pull("/secret", "b", String.class)).isEqualTo("told b");
        assertThat(peerSubject(before)).as("an open connection keeps its handshake's").isEqualTo("CN=localhost");

        // The dialing side's too: trusting only a stranger now, its next dial fails.
        clientPeer.tls().replace(null, SslContextBuilder.forClient().trustManager(stranger.toTrustManagerFactory()).build());
        assertThatThrownBy(() -> clientPeer.dial(address)).isInstanceOfSatisfying(RerrorException.class,
                e -> assertThat(e.code()).isEqualTo(105));
        assertThat(before.pull("/secret", "c", String.class)).isEqualTo("told c");

        assertThatThrownBy(() -> serverPeer.tls().replace(null, trusting)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("plain TCP");
        assertThatThrownBy(() -> serverPeer.tls().replace(trusting, null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The server's side of the last {@link #connected()} session. */
    private io.netty.channel.Channel acceptedChannel;

    /** A TLS session that was served a pull; the server's connection in {@link #acceptedChannel}. */
    private Session connected() throws Exception {
        Peer serverPeer = new Peer(PeerConfig.builder()
                .serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory()).build()).build());
        peers.add(serverPeer);
        serverPeer.pullRouter().route("/secret", String.class, (body, ctx) -> "told " + body);
        String address = "127.0.0.1:" + ((InetSocketAddress) serverPeer.listen("127.0.0.1:0", null)).getPort();
        Session session = dial(address, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build());
        assertThat(session.pull("/secret", "x", String.class)).isEqualTo("told x");
        acceptedChannel = ((io.teleport.internal.session.DefaultSession) serverPeer.sessions().iterator().next()).channel();
        return session;
    }

    /**
     * A TLS peer that ends its TLS ({@code close_notify}) and keeps its socket open: the other side's
     * session stayed connected for good, every pull timing out (hostile round 12). It is a lost connection.
     */
    @Test
    void aCloseNotifyWithTheSocketLeftOpenEndsTheConnection() throws Exception {
        Session session = connected();
        io.netty.channel.Channel accepted = acceptedChannel;
        // close_notify only: Netty's closeOutbound leaves the socket open.
        accepted.eventLoop().submit(() -> accepted.pipeline().get(io.netty.handler.ssl.SslHandler.class).closeOutbound())
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> session.closeFuture().isDone());
    }

    /**
     * A close_notify that comes with frames the receiver holds undecoded (its in-flight limit reached): they
     * are handled before the connection closes, as they would be before a FIN (a review).
     */
    @Test
    void framesHeldWhenTheCloseNotifyComesAreStillHandled() throws Exception {
        Peer serverPeer = new Peer(PeerConfig.builder()
                .serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory()).build()).build());
        peers.add(serverPeer);
        String address = "127.0.0.1:" + ((InetSocketAddress) serverPeer.listen("127.0.0.1:0", null)).getPort();
        Peer clientPeer = new Peer(PeerConfig.builder().limits(Limits.builder().maxInflightPerSession(1).build())
                .clientSslContext(SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build()).build());
        peers.add(clientPeer);
        java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
        clientPeer.pushRouter().route("/note", String.class, (body, ctx) -> {
            Thread.sleep(300);
            handled.incrementAndGet();
        });
        Session session = clientPeer.dial(address);
        assertThat(session.isHealthy()).isTrue();
        Session accepted = await().until(() -> serverPeer.sessions().stream().findFirst().orElse(null), a -> a != null);
        io.netty.channel.Channel ch = ((io.teleport.internal.session.DefaultSession) accepted).channel();
        // Three pushes and the close_notify in one go: the client runs one push at a time, holding the others.
        ch.eventLoop().submit(() -> {
            for (int i = 0; i < 3; i++) {
                accepted.push("/note", "n" + i);
            }
            ch.pipeline().get(io.netty.handler.ssl.SslHandler.class).closeOutbound();
        }).get(5, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> session.closeFuture().isDone());
    }

    /** Bytes that are no TLS record after the handshake: the other side uses TLS and broke it (hostile round 12). */
    @Test
    void garbageAfterTheHandshakeIsNotCalledAPeerWithoutTls() throws Exception {
        Session session = connected();
        io.netty.channel.Channel accepted = acceptedChannel;
        // Past the TLS handler, straight to the socket.
        accepted.eventLoop().submit(() -> accepted.pipeline().firstContext().writeAndFlush(
                io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})))
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> log.warnings("TLS with a dialed peer failed").size() == 1);
        assertThat(log.warnings("TLS with a dialed peer failed")).singleElement().asString()
                .contains("the other side sent bytes that are no TLS record after the TLS handshake finished")
                .doesNotContain("does not use TLS");
    }

    @Test
    void tlsBetweenTwoPeers() throws Exception {
        String address = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        Session session = dial(address, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build());
        assertThat(session.pull("/secret", "x", String.class)).isEqualTo("told x");
    }

    @Test
    void aClientThatDoesNotTrustTheServerCannotDial() throws Exception {
        String address = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        assertThatThrownBy(() -> dial(address, SslContextBuilder.forClient()
                .trustManager(stranger.toTrustManagerFactory()).build()))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(105));
    }

    @Test
    void aProbeThatConnectsAndClosesIsNoTlsFailure() throws Exception {
        String address = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        for (int i = 0; i < 3; i++) {
            // A Kubernetes tcpSocket probe: connect, then close without a byte.
            new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port).close();
        }
        // Then a real refusal, whose WARN follows any the probes would have caused.
        Peer distrustful = new Peer(PeerConfig.builder().clientSslContext(SslContextBuilder.forClient()
                .trustManager(stranger.toTrustManagerFactory()).build()).build());
        peers.add(distrustful);
        assertThatThrownBy(() -> distrustful.dial(address)).isInstanceOf(RerrorException.class);
        await().until(() -> log.warnings("TLS with a connecting peer failed").size() == 1);
        Thread.sleep(200);
        assertThat(log.warnings("TLS with a connecting peer failed")).singleElement().asString()
                .contains("alert").contains(": 1 since the last report").doesNotContain("null");
    }

    @Test
    void refusalsAreWarnedWithTheirReasonOnBothSidesAtMostOncePerInterval() throws Exception {
        String address = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        Peer distrustful = new Peer(PeerConfig.builder().clientSslContext(SslContextBuilder.forClient()
                .trustManager(stranger.toTrustManagerFactory()).build()).build());
        peers.add(distrustful);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> distrustful.dial(address)).isInstanceOf(RerrorException.class);
        }
        await().until(() -> log.warnings("TLS with a connecting peer failed").size() == 1);
        assertThat(log.warnings("TLS with a dialed peer failed")).singleElement().asString()
                .contains(address).containsIgnoringCase("certificat");
        assertThat(log.warnings("TLS with a connecting peer failed")).singleElement().asString()
                .contains("127.0.0.1:").contains("alert");

        // Mutual TLS refusing a client without a certificate: with TLS 1.3 the client learns it only
        // after its own handshake, from the server's alert, and says so.
        String mutual = listen(SslContextBuilder.forServer(server.toKeyManagerFactory())
                .trustManager(ca.toTrustManagerFactory()).clientAuth(ClientAuth.REQUIRE).build());
        assertThatThrownBy(() -> dial(mutual, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory())
                .build()).pull("/secret", "x", String.class)).isInstanceOf(RerrorException.class);
        await().until(() -> log.warnings("TLS with a dialed peer failed").stream().anyMatch(l -> l.contains(mutual)));
        await().until(() -> log.warnings("TLS with a connecting peer failed").size() == 2);
    }

    @Test
    void mutualTlsAcceptsTrustedClientsAndRefusesOthers() throws Exception {
        String address = listen(SslContextBuilder.forServer(server.toKeyManagerFactory())
                .trustManager(ca.toTrustManagerFactory()).clientAuth(ClientAuth.REQUIRE).build());
        Session trusted = dial(address, SslContextBuilder.forClient().keyManager(client.toKeyManagerFactory())
                .trustManager(ca.toTrustManagerFactory()).build());
        assertThat(trusted.pull("/secret", "mtls", String.class)).isEqualTo("told mtls");

        assertThatThrownBy(() -> {
            Session anonymous = dial(address, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build());
            // With TLS 1.3 the client may finish its handshake before the server refuses it.
            anonymous.pull("/secret", "x", String.class);
        }).isInstanceOf(RerrorException.class).as("a refused certificate is no protocol mismatch")
                .hasMessageNotContaining("teleport.protocol");
        assertThatThrownBy(() -> {
            Session untrusted = dial(address, SslContextBuilder.forClient().keyManager(stranger.toKeyManagerFactory())
                    .trustManager(ca.toTrustManagerFactory()).build());
            untrusted.pull("/secret", "x", String.class);
        }).isInstanceOf(RerrorException.class).hasMessageNotContaining("teleport.protocol");
    }

    /**
     * A plain client's first frame, which the TLS server cannot read, is its handshake's token or a
     * body: Netty's error dumps it in hex, and neither side may log it (new-user trial 10).
     */
    @Test
    void bytesThatAreNoTlsRecordAreDescribedNeverDumped() throws Exception {
        String tlsServer = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        Peer plainClient = new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(5)).build(),
                io.teleport.plugins.AuthPlugin.client(() -> "SuperSecretToken123"));
        peers.add(plainClient);
        assertThatThrownBy(() -> plainClient.dial(tlsServer)).isInstanceOf(RerrorException.class);
        await().until(() -> log.warnings("TLS with a connecting peer failed").size() == 1);
        String secretInHex = io.netty.buffer.ByteBufUtil.hexDump("SuperSecret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(log.warnings("TLS with a connecting peer failed")).singleElement().asString()
                .contains("the other side does not use TLS (its first bytes are no TLS record: binary, likely a"
                        + " Teleport peer without TLS)").doesNotContain(secretInHex);

        try (java.net.ServerSocket http = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> {
                try (java.net.Socket s = http.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes());
                    s.getOutputStream().flush();
                    s.getInputStream().read(new byte[4096]);
                } catch (java.io.IOException e) {
                    // The test has what it needs, or fails on its own.
                }
            });
            answering.start();
            String address = "127.0.0.1:" + http.getLocalPort();
            assertThatThrownBy(() -> dial(address, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build()))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                            .startsWith("dial " + address + ": the other side does not use TLS (its first bytes are no TLS"
                                    + " record: \"HTTP\": an HTTP server)")
                            .doesNotContain("48545450"));
            answering.join(5000);
        }
    }

    @Test
    void tlsOnOneSideOnlyIsNamedOnBothSides() throws Exception {
        String tlsServer = listen(SslContextBuilder.forServer(server.toKeyManagerFactory()).build());
        Peer plainClient = new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(5)).build());
        peers.add(plainClient);
        assertThatThrownBy(() -> plainClient.dial(tlsServer).pull("/secret", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .contains("expects TLS (TLS on that side only)"));
        await().until(() -> log.warnings("TLS with a connecting peer failed").size() == 1);
        assertThat(log.warnings("TLS with a connecting peer failed")).singleElement().asString()
                .contains("the other side does not use TLS");

        Peer plainServer = new Peer(PeerConfig.builder().build());
        peers.add(plainServer);
        String plain = "127.0.0.1:" + ((InetSocketAddress) plainServer.listen("127.0.0.1:0", null)).getPort();
        assertThatThrownBy(() -> dial(plain, SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build()))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .contains("closed the connection during the TLS handshake; likely a peer without TLS"));
        await().until(() -> log.warnings("breaking the protocol").size() == 1);
        assertThat(log.warnings("breaking the protocol")).singleElement().asString()
                .contains("a TLS record: the other side uses TLS and this side does not");
    }

    @Test
    void aTlsErrorAfterTheHandshakeEndsTheWaitingPullWithItsReason() throws Exception {
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(server.toKeyManagerFactory().getKeyManagers(), null, null);
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread remote = new Thread(() -> {
                try (java.net.Socket raw = listener.accept();
                     javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                             .createSocket(raw, null, raw.getPort(), false)) {
                    tls.setUseClientMode(false);
                    tls.startHandshake();
                    // The pull arrived; then a record that cannot be decrypted, past TLS.
                    tls.getInputStream().read();
                    byte[] garbage = new byte[5 + 32];
                    garbage[0] = 23;
                    garbage[1] = 3;
                    garbage[2] = 3;
                    garbage[4] = 32;
                    raw.getOutputStream().write(garbage);
                    raw.getOutputStream().flush();
                    raw.getInputStream().read(new byte[256]);
                } catch (java.io.IOException e) {
                    // The client closed the connection.
                }
            });
            remote.start();
            Session session = dial("127.0.0.1:" + listener.getLocalPort(),
                    SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build());
            assertThatThrownBy(() -> session.pull("/secret", "x", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> {
                        assertThat(e.code()).isEqualTo(102);
                        assertThat(e.rerror().detail()).startsWith("closed by this side after a TLS error: ");
                    });
            session.closeFuture().join();
            assertThatThrownBy(() -> session.pull("/secret", "y", String.class))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                            .contains("; closed by this side after a TLS error: "));
            remote.join(5000);
        }
    }

    @Test
    void aRenegotiationIsRefusedClosedAndCounted() throws Exception {
        Peer peer = new Peer(PeerConfig.builder().serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory())
                .build()).build());
        peers.add(peer);
        int port = ((InetSocketAddress) peer.listen("127.0.0.1:0", null)).getPort();
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            // TLS 1.2: 1.3 has no renegotiation.
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setSoTimeout(5000);
            socket.startHandshake();
            assertThat(peer.stats().tlsFailures()).isZero();
            try {
                socket.startHandshake();
                socket.getOutputStream().write(1);
                assertThat(socket.getInputStream().read()).as("closed by the server").isEqualTo(-1);
            } catch (java.io.IOException closed) {
                // The server closed the connection during the second handshake.
            }
        }
        await().until(() -> peer.stats().tlsFailures() == 1);
        await().until(() -> !log.warnings("TLS with a connecting peer failed").isEmpty());
        assertThat(log.warnings("TLS with a connecting peer failed")).singleElement().asString()
                .contains("renegotiation refused");
    }

    @Test
    void aDialsTlsHandshakeEndsWithinTheDialTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Peer peer = new Peer(PeerConfig.builder().dialTimeout(Duration.ofMillis(500))
                    .clientSslContext(SslContextBuilder.forClient().trustManager(ca.toTrustManagerFactory()).build()).build());
            peers.add(peer);
            long start = System.nanoTime();
            // Accepted by the kernel, and never answered: the handshake waits for a ServerHello.
            assertThatThrownBy(() -> peer.dial("127.0.0.1:" + silent.getLocalPort()))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(105));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("Netty's own 10 s did not decide")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(peer.stats().tlsFailures()).isEqualTo(1);
        }
    }

    @Test
    void aServedChannelWhoseTlsHandshakeNeverStartsIsClosedAtTheHandshakeTimeout() throws Exception {
        Peer peer = new Peer(PeerConfig.builder().limits(Limits.builder().handshakeTimeout(Duration.ofMillis(300)).build())
                .serverSslContext(SslContextBuilder.forServer(server.toKeyManagerFactory()).build()).build());
        peers.add(peer);
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.local.LocalIoHandler.newFactory());
        try {
            java.util.concurrent.CompletableFuture<io.netty.channel.Channel> accepted = new java.util.concurrent.CompletableFuture<>();
            io.netty.channel.local.LocalAddress address = new io.netty.channel.local.LocalAddress("teleport-tls-serve-test");
            new io.netty.bootstrap.ServerBootstrap().group(group).channel(io.netty.channel.local.LocalServerChannel.class)
                    .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                            ctx.pipeline().remove(this);
                            accepted.complete(ctx.channel());
                        }
                    }).bind(address).sync();
            // Connected, and silent: no ClientHello ever comes.
            new io.netty.bootstrap.Bootstrap().group(group).channel(io.netty.channel.local.LocalChannel.class)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter()).connect(address).sync();
            io.netty.channel.Channel served = accepted.get(5, java.util.concurrent.TimeUnit.SECONDS);
            peer.serve(served, null);
            assertThat(served.closeFuture().await(5, java.util.concurrent.TimeUnit.SECONDS)).as("closed").isTrue();
            assertThat(peer.stats().handshakeTimeouts()).isEqualTo(1);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
