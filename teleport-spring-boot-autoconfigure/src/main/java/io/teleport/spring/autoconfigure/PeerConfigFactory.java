package io.teleport.spring.autoconfigure;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.teleport.HandlerExecution;
import io.teleport.PeerConfig;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;

import javax.net.ssl.SSLException;
import java.util.List;

/** Builds the {@link PeerConfig} from {@link TeleportProperties}, the environment and the customizers. */
final class PeerConfigFactory {

    private PeerConfigFactory() {
    }

    static PeerConfig create(TeleportProperties p, Environment environment, SslBundles sslBundles,
            List<TeleportPeerConfigCustomizer> customizers) {
        PeerConfig.Builder b = PeerConfig.builder()
                .network(p.network())
                .listenAddress(blankToNull(p.server().listenAddress()))
                .reusePort(p.server().reusePort())
                .defaultBodyCodec(p.defaultBodyCodec())
                .printBody(p.printBody())
                .countTime(p.countTime())
                .slowCometDuration(p.slowCometDuration())
                .readLimit((int) p.readLimit().toBytes())
                .noDelay(p.socket().noDelay())
                .keepAlive(p.socket().keepAlive())
                .dialTimeout(p.dialTimeout())
                .readIdleTimeout(p.readIdleTimeout())
                .writeTimeout(p.writeTimeout())
                .pullTimeout(p.pullTimeout())
                .shutdownTimeout(p.shutdownTimeout())
                .ioThreads(p.ioThreads())
                .localIp(p.localIp())
                .handlerExecution(execution(p, environment))
                .handlerThreads(p.handler().threads())
                .handlerQueueCapacity(p.handler().queueCapacity())
                .redialTimes(p.redial().times())
                .redialInterval(p.redial().interval())
                .redialMaxInterval(p.redial().maxInterval());
        if (p.socket().receiveBufferSize() != null) {
            b.receiveBufferSize((int) p.socket().receiveBufferSize().toBytes());
        }
        if (p.socket().sendBufferSize() != null) {
            b.sendBufferSize((int) p.socket().sendBufferSize().toBytes());
        }
        if (p.ssl().bundle() != null) {
            applySsl(b, p.ssl(), sslBundles);
        }
        customizers.forEach(c -> c.customize(b));
        return b.build();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Unless chosen explicitly, spring.threads.virtual.enabled puts handlers on virtual threads. */
    private static HandlerExecution execution(TeleportProperties p, Environment environment) {
        HandlerExecution configured = p.handler().execution();
        if (configured == null) {
            return Threading.VIRTUAL.isActive(environment) ? HandlerExecution.VIRTUAL : HandlerExecution.POOL;
        }
        return configured;
    }

    private static void applySsl(PeerConfig.Builder b, TeleportProperties.Ssl ssl, SslBundles sslBundles) {
        if (sslBundles == null) {
            throw new IllegalStateException("teleport.ssl.bundle: " + ssl.bundle() + " is set but there are no SSL bundles");
        }
        SslBundle bundle;
        try {
            bundle = sslBundles.getBundle(ssl.bundle());
        } catch (RuntimeException e) {
            throw new IllegalStateException("teleport.ssl.bundle: " + e.getMessage(), e);
        }
        try {
            SslContextBuilder server = SslContextBuilder.forServer(bundle.getManagers().getKeyManagerFactory())
                    .trustManager(bundle.getManagers().getTrustManagerFactory())
                    .clientAuth(ClientAuth.valueOf(ssl.clientAuth().name()));
            SslContextBuilder client = SslContextBuilder.forClient()
                    .keyManager(bundle.getManagers().getKeyManagerFactory())
                    .trustManager(bundle.getManagers().getTrustManagerFactory());
            String[] protocols = bundle.getOptions().getEnabledProtocols();
            if (protocols != null) {
                server.protocols(protocols);
                client.protocols(protocols);
            }
            String[] ciphers = bundle.getOptions().getCiphers();
            if (ciphers != null) {
                server.ciphers(List.of(ciphers));
                client.ciphers(List.of(ciphers));
            }
            SslContext serverContext = server.build();
            SslContext clientContext = client.build();
            b.serverSslContext(serverContext).clientSslContext(clientContext);
        } catch (SSLException e) {
            throw new IllegalStateException("teleport.ssl.bundle: " + ssl.bundle() + ": " + e.getMessage(), e);
        }
    }
}
