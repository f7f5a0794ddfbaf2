package io.teleport.spring.autoconfigure;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The peer's TLS contexts from the SSL bundle {@code teleport.ssl.bundle} names, for the roles
 * {@code teleport.ssl.roles} gives it; built again when the bundle is updated (a renewed certificate,
 * with {@code spring.ssl.bundle.<kind>.<name>.reload-on-update: true}), so that new connections use it
 * without a restart, as Boot's own web servers do.
 */
final class SslBundleTls {

    private static final Logger log = LoggerFactory.getLogger(SslBundleTls.class);

    private SslBundleTls() {
    }

    /** Sets the contexts of {@code ssl}'s bundle into {@code b}. */
    static void apply(PeerConfig.Builder b, TeleportProperties.Ssl ssl, @Nullable SslBundles sslBundles) {
        String action = "Define the bundle under spring.ssl.bundle (jks or pem, with its key store or certificate), "
                + "or remove teleport.ssl.bundle for plain TCP.";
        if (sslBundles == null) {
            throw new TeleportConfigurationException("teleport.ssl.bundle", ssl.bundle() + " is set but there are no SSL bundles",
                    action, null);
        }
        SslBundle bundle;
        try {
            bundle = sslBundles.getBundle(ssl.bundle());
        } catch (RuntimeException e) {
            throw new TeleportConfigurationException("teleport.ssl.bundle", e.getMessage(), action, e);
        }
        try {
            checkKeyPairs(bundle);
        } catch (GeneralSecurityException e) {
            throw new TeleportConfigurationException("teleport.ssl.bundle", ssl.bundle() + ": " + e.getMessage(),
                    "Give the bundle the private key of its certificate (spring.ssl.bundle.*." + ssl.bundle()
                            + ".keystore), or the certificate of its key.", e);
        }
        try {
            b.serverSslContext(server(bundle, ssl)).clientSslContext(client(bundle, ssl));
        } catch (SSLException e) {
            throw new IllegalStateException("teleport.ssl.bundle: " + ssl.bundle() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Has the peer's new connections use the bundle's contents each time it is updated, with the
     * application's customizers run over them as at start-up (one may replace a context). A bundle that no
     * longer makes a context (a certificate that does not match its key) leaves the previous one in use,
     * with a WARN; a peer not made yet, or closed, is left alone.
     */
    static void followUpdates(ObjectProvider<Peer> peers, TeleportProperties.Ssl ssl, SslBundles sslBundles,
            List<TeleportPeerConfigCustomizer> customizers) {
        sslBundles.addBundleUpdateHandler(ssl.bundle(), bundle -> {
            try {
                Peer peer = peers.getIfAvailable();
                if (peer == null || peer.isClosed()) {
                    return;
                }
                checkKeyPairs(bundle);
                PeerConfig.Builder b = PeerConfig.builder().serverSslContext(server(bundle, ssl))
                        .clientSslContext(client(bundle, ssl));
                customizers.forEach(c -> c.customize(b));
                PeerConfig renewed = b.build();
                peer.tls().replace(renewed.serverSslContext(), renewed.clientSslContext());
                log.info("SSL bundle '{}' updated: new connections use it (open ones keep theirs)", ssl.bundle());
            } catch (GeneralSecurityException | SSLException | RuntimeException e) {
                log.warn("SSL bundle '{}' updated, but it makes no TLS context ({}): new connections still use the "
                        + "previous one", ssl.bundle(), e.getMessage());
            }
        });
    }

    /**
     * Checks that each private key of the bundle matches its certificate, signing with the one and
     * verifying with the other: a renewal whose certificate and key files were written further apart than
     * the file watch's quiet period was served half renewed, and every handshake failed with a bad
     * signature and no word of why (hostile round 14). Boot checks this only with its {@code verify-keys}.
     * A key that cannot be read, or of a kind not known here, is left to the handshake.
     */
    static void checkKeyPairs(SslBundle bundle) throws GeneralSecurityException {
        KeyStore store = bundle.getStores().getKeyStore();
        if (store == null) {
            return;
        }
        String alias = bundle.getKey().getAlias();
        String password = bundle.getKey().getPassword() != null ? bundle.getKey().getPassword()
                : bundle.getStores().getKeyStorePassword();
        for (String name : Collections.list(store.aliases())) {
            if ((alias != null && !alias.equals(name)) || !store.isKeyEntry(name)) {
                continue;
            }
            Key key;
            try {
                key = store.getKey(name, password == null ? new char[0] : password.toCharArray());
            } catch (GeneralSecurityException unreadable) {
                continue;
            }
            Certificate certificate = store.getCertificate(name);
            if (key instanceof PrivateKey privateKey && certificate != null && !matches(privateKey, certificate.getPublicKey())) {
                throw new GeneralSecurityException("the certificate of key entry '" + name + "' does not match its "
                        + "private key (written apart? a renewal's certificate and key are read together)");
            }
        }
    }

    private static boolean matches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        byte[] probe = "teleport key pair check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        try {
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (InvalidKeyException | SignatureException otherKind) {
            // A certificate of another kind of key than the private one (RSA against EC).
            return false;
        }
    }

    /** The context of accepted connections, built only when the bundle serves that role. */
    private static @Nullable SslContext server(SslBundle bundle, TeleportProperties.Ssl ssl) throws SSLException {
        if (!ssl.roles().server()) {
            return null;
        }
        SslContextBuilder server = SslContextBuilder.forServer(bundle.getManagers().getKeyManagerFactory())
                .trustManager(bundle.getManagers().getTrustManagerFactory())
                .clientAuth(ClientAuth.valueOf(ssl.clientAuth().name()));
        return options(server, bundle).build();
    }

    /** The context of dialed connections; only for that role, as it also checks the bundle's trust material. */
    private static @Nullable SslContext client(SslBundle bundle, TeleportProperties.Ssl ssl) throws SSLException {
        if (!ssl.roles().client()) {
            return null;
        }
        SslContextBuilder client = SslContextBuilder.forClient()
                .keyManager(bundle.getManagers().getKeyManagerFactory())
                .trustManager(bundle.getManagers().getTrustManagerFactory());
        return options(client, bundle).build();
    }

    private static SslContextBuilder options(SslContextBuilder builder, SslBundle bundle) {
        String[] protocols = bundle.getOptions().getEnabledProtocols();
        if (protocols != null) {
            builder.protocols(protocols);
        }
        String[] ciphers = bundle.getOptions().getCiphers();
        if (ciphers != null) {
            builder.ciphers(List.of(ciphers));
        }
        return builder;
    }
}
