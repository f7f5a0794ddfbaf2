package io.teleport.spring.test;

import io.micrometer.core.instrument.MeterRegistry;
import io.teleport.Peer;
import io.teleport.PeerBuilder;
import io.teleport.codec.Codec;
import io.teleport.config.PeerConfig;
import io.teleport.plugins.AuthPlugin;
import io.teleport.proto.Proto;
import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportProperties;
import io.teleport.xfer.XferFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/**
 * The test client of {@link AutoConfigureTeleportTestClient}: a peer of its own that speaks as the
 * application's clients do (its codec, filter and protocol beans, its teleport.protocol, its body codec
 * and network, the first of its accepted auth tokens, or its own token), so that what the application
 * can read, the client can send.
 */
@AutoConfiguration(after = TeleportAutoConfiguration.class)
@ConditionalOnBean(Peer.class)
public final class TeleportTestClientAutoConfiguration {

    /** How long a test waits for a push or a meter. */
    static final Duration AWAIT = Duration.ofSeconds(10);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    TeleportTestClient teleportTestClient(Peer server, TeleportProperties properties, ObjectProvider<Codec> codecs,
            ObjectProvider<XferFilter> filters, ObjectProvider<Proto> proto) {
        PeerConfig config = PeerConfig.builder().network(server.network().goName())
                .defaultBodyCodec(server.config().defaultBodyCodec()).build();
        PeerBuilder builder = Peer.builder().config(config);
        codecs.orderedStream().forEach(builder::codec);
        filters.orderedStream().forEach(builder::xferFilter);
        // The application's teleport.protocol (under auto, the default generation), unless a Proto bean says otherwise.
        if (properties.protocol() != TeleportProperties.Protocol.AUTO) {
            builder.defaultProto(properties.protocol().proto());
        }
        proto.ifAvailable(builder::defaultProto);
        // A token the application accepts; its own token is what it sends to its remotes.
        TeleportProperties.Auth auth = properties.auth();
        String token = auth.acceptedTokens().isEmpty() ? auth.token() : auth.acceptedTokens().get(0);
        if (token != null) {
            builder.plugin(AuthPlugin.client(() -> token));
        }
        return new TeleportTestClient(server, builder.build(), AWAIT);
    }

    /** Awaiting the application's meters, when it has a registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MetersConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(MeterRegistry.class)
        TeleportMeters teleportMeters(MeterRegistry registry) {
            return new TeleportMeters(registry, AWAIT);
        }
    }
}
