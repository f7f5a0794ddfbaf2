package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.codec.Codec;
import io.teleport.plugins.AuthPlugin;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.RetryPolicy;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.TeleportLoadBalancer;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.spring.client.UndialedPulls;
import org.springframework.beans.factory.ListableBeanFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link SessionTemplate} from its {@code teleport.client} or {@code teleport.clients.<name>}
 * properties, checking them with the key named, and decides whether it connects at start-up.
 */
final class RemoteTemplates {

    private RemoteTemplates() {
    }

    /**
     * The template of the remote under {@code key}; {@code undialed} are told of pulls that could not
     * dial; {@code classLoader} is the application's, where a DiscoveryClient is looked for.
     */
    static SessionTemplate create(Peer peer, TeleportProperties properties, String key, String name,
            TeleportProperties.Client client, List<UndialedPulls> undialed, TeleportLoadBalancer.Factory balancers,
            @Nullable ClassLoader classLoader) {
        Proto proto = proto(properties, key, client);
        List<CallOption> defaults = new ArrayList<>();
        if (client.pullTimeout() != null) {
            // Checked when the properties were bound (Client.checkAttempts).
            defaults.add(CallOptions.timeout(client.pullTimeout()));
        }
        if (client.bodyCodec() != null && !client.bodyCodec().isBlank()) {
            Codec codec = peer.codecs().byName(client.bodyCodec());
            if (codec == null) {
                throw new TeleportConfigurationException(key + ".body-codec", "'" + client.bodyCodec()
                        + "' is not a codec of the peer", "Set " + key + ".body-codec to json, string, protobuf "
                        + "(with protobuf-java on the class path), or the name of a Codec bean.", null);
            }
            defaults.add(CallOptions.bodyCodec(codec.id()));
        }
        // The remote's own token rides on its sessions, so that the peer's AuthPlugin sends it after every redial.
        Map<String, ?> dialAttributes = client.authToken() == null ? Map.of() : Map.of(AuthPlugin.TOKEN, client.authToken());
        RemoteInstances instances;
        if (client.discovered()) {
            if (!ClassUtils.isPresent(DISCOVERY_CLIENT, classLoader)) {
                throw new TeleportConfigurationException(key + ".service-id", "a remote named by service-id is found "
                        + "through Spring Cloud's DiscoveryClient, which is not on the class path", "Add a Spring Cloud "
                        + "discovery starter (such as spring-cloud-starter-zookeeper-discovery, or spring-cloud-commons "
                        + "for spring.cloud.discovery.client.simple), or set " + key + ".address instead.", null);
            }
            instances = RemoteInstances.discovered(peer, name, client.serviceId(),
                    balancers.create(name, client.serviceId()), proto, dialAttributes);
        } else {
            instances = RemoteInstances.fixed(peer, name, client.address(), proto, dialAttributes);
        }
        return new SessionTemplate(instances, defaults, undialed,
                new RetryPolicy(client.maxAttempts(), client.idempotentPaths()));
    }

    /**
     * The protocol the remote is dialed with: its own, else the peer's ({@code null}); a peer that listens
     * with auto dials with teleport-v3, the default generation, as a dialing side cannot wait to learn.
     */
    private static @Nullable Proto proto(TeleportProperties properties, String key, TeleportProperties.Client client) {
        TeleportProperties.Protocol protocol = client.protocol();
        if (protocol == TeleportProperties.Protocol.AUTO) {
            throw new TeleportConfigurationException(key + ".protocol", "auto is for the listening side: a client "
                    + "speaks first, so it must know the protocol of its remote",
                    "Set " + key + ".protocol to teleport-v3 or erpc-v6, as the remote speaks.", null);
        }
        if (protocol != null) {
            return protocol.proto();
        }
        return properties.protocol() == TeleportProperties.Protocol.AUTO ? FastProto.INSTANCE : null;
    }

    private static final String DISCOVERY_CLIENT = "org.springframework.cloud.client.discovery.DiscoveryClient";

    /**
     * Whether the remote is dialed at start-up: as configured, or, unset, when the application has
     * push controllers, or pull controllers and does not listen: then nothing reaches them before it dials.
     */
    static boolean eager(TeleportProperties.Client client, ListableBeanFactory beans, boolean listens) {
        if (client.connect() != null) {
            return client.connect() == TeleportProperties.Connect.EAGER;
        }
        return beans.getBeanNamesForAnnotation(PushController.class).length > 0
                || (!listens && beans.getBeanNamesForAnnotation(PullController.class).length > 0);
    }
}
