package io.teleport.spring.autoconfigure;

import ch.qos.logback.classic.Level;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.DefaultSession;
import io.teleport.session.Session;
import io.teleport.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A renewed certificate reaches the peer without a restart: with {@code reload-on-update}, Boot watches the
 * bundle's files, and the peer's new connections present what they hold now, as Boot's web servers do.
 */
class SslBundleReloadTests {

    @RegisterExtension
    final LogCapture log = LogCapture.of(SslBundleTls.class.getName(), Level.INFO);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, TeleportAutoConfiguration.class));

    private static final X509Bundle CA = ca();

    private static X509Bundle ca() {
        try {
            return new CertificateBuilder().ecp256().subject("CN=ca").setIsCertificateAuthority(true).buildSelfSigned();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a certificate for 127.0.0.1 named {@code cn}, issued by the CA, and its key into {@code dir}. */
    private static void writeCertificate(Path dir, String cn) throws Exception {
        X509Bundle cert = new CertificateBuilder().ecp256().subject("CN=" + cn).addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").buildIssuedBy(CA);
        Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM());
        Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePEM());
    }

    /** The subject of the certificate the server presented to a new connection of {@code client}'s. */
    private static String presented(Peer client, String address) throws Exception {
        Session session = client.dial(address);
        try {
            SslHandler tls = ((DefaultSession) session).channel().pipeline().get(SslHandler.class);
            return ((X509Certificate) tls.engine().getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        } finally {
            session.close();
        }
    }

    /** A server on the bundle {@code tp} of {@code dir}'s files, reloaded on update, listening on loopback. */
    private static String[] serverWithBundle(Path dir) throws Exception {
        writeCertificate(dir, "first");
        Path ca = Files.writeString(dir.resolve("ca.pem"), CA.getCertificatePEM());
        return new String[] {"spring.ssl.bundle.pem.tp.keystore.certificate=" + dir.resolve("cert.pem").toUri(),
                "spring.ssl.bundle.pem.tp.keystore.private-key=" + dir.resolve("key.pem").toUri(),
                "spring.ssl.bundle.pem.tp.truststore.certificate=" + ca.toUri(),
                "spring.ssl.bundle.pem.tp.reload-on-update=true", "spring.ssl.bundle.watch.file.quiet-period=200ms",
                "teleport.server.listen-address=127.0.0.1:0", "teleport.ssl.bundle=tp"};
    }

    /** A client peer that trusts the CA. */
    private static Peer trustingClient() throws Exception {
        return new Peer(PeerConfig.builder().dialTimeout(Duration.ofSeconds(5))
                .clientSslContext(SslContextBuilder.forClient().trustManager(CA.toTrustManagerFactory()).build()).build());
    }

    private static String address(Peer server) {
        return "127.0.0.1:" + ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    /** A customizer that sets its own server context keeps it through renewals, as it did at start-up (a review). */
    @Test
    void aCustomizersContextStaysThroughAnUpdate(@TempDir Path dir) throws Exception {
        X509Bundle custom = new CertificateBuilder().ecp256().subject("CN=custom").addSanIpAddress("127.0.0.1").buildIssuedBy(CA);
        SslContext customContext = SslContextBuilder.forServer(custom.toKeyManagerFactory()).build();
        runner.withBean(TeleportPeerConfigCustomizer.class, () -> b -> b.serverSslContext(customContext))
                .withPropertyValues(serverWithBundle(dir)).run(ctx -> {
                    String address = address(ctx.getBean(Peer.class));
                    try (Peer client = trustingClient()) {
                        assertThat(presented(client, address)).isEqualTo("CN=custom");
                        writeCertificate(dir, "renewed");
                        await().atMost(Duration.ofSeconds(20)).until(() -> log.events(Level.INFO).stream()
                                .anyMatch(e -> e.getFormattedMessage().contains("SSL bundle 'tp' updated")));
                        assertThat(presented(client, address)).isEqualTo("CN=custom");
                    }
                });
    }

    /**
     * A certificate written without its key (a renewal whose files came further apart than the watch's quiet
     * period) is not served: every handshake would fail (hostile round 14). The previous pair stays, with a WARN.
     */
    @Test
    void aCertificateThatDoesNotMatchItsKeyKeepsThePreviousPair(@TempDir Path dir) throws Exception {
        runner.withPropertyValues(serverWithBundle(dir)).run(ctx -> {
            String address = address(ctx.getBean(Peer.class));
            try (Peer client = trustingClient()) {
                assertThat(presented(client, address)).isEqualTo("CN=first");
                X509Bundle alone = new CertificateBuilder().ecp256().subject("CN=alone").addSanIpAddress("127.0.0.1")
                        .buildIssuedBy(CA);
                Files.writeString(dir.resolve("cert.pem"), alone.getCertificatePEM());
                await().atMost(Duration.ofSeconds(20)).until(() -> log.events(Level.WARN).stream().anyMatch(e ->
                        e.getFormattedMessage().contains("does not match its private key")));
                assertThat(presented(client, address)).isEqualTo("CN=first");
            }
        });
        // At start-up, such a pair is refused at once, naming the bundle.
        Path other = Files.createDirectories(dir.resolve("other"));
        String[] bundle = serverWithBundle(other);
        Files.writeString(other.resolve("cert.pem"), new CertificateBuilder().ecp256().subject("CN=stray")
                .buildIssuedBy(CA).getCertificatePEM());
        runner.withPropertyValues(bundle).run(ctx -> assertThat(ctx).getFailure()
                .hasStackTraceContaining("teleport.ssl.bundle").hasStackTraceContaining("does not match its private key"));
    }

    @Test
    void aRenewedCertificateServesTheNewConnections(@TempDir Path dir) throws Exception {
        runner.withPropertyValues(serverWithBundle(dir)).run(ctx -> {
            String address = address(ctx.getBean(Peer.class));
            try (Peer client = trustingClient()) {
                assertThat(presented(client, address)).isEqualTo("CN=first");
                Session open = client.dial(address);

                writeCertificate(dir, "renewed");
                await().atMost(Duration.ofSeconds(20)).until(() -> presented(client, address).equals("CN=renewed"));
                assertThat(log.events(Level.INFO)).anySatisfy(e -> assertThat(e.getFormattedMessage())
                        .contains("SSL bundle 'tp' updated: new connections use it"));
                assertThat(open.isHealthy()).as("an open connection stays").isTrue();
            }
        });
    }
}
