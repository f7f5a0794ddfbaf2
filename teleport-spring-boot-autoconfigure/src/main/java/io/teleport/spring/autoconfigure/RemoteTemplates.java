package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.codec.Codec;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.UndialedPulls;
import org.springframework.beans.factory.ListableBeanFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link SessionTemplate} from its {@code teleport.client} or {@code teleport.clients.<name>}
 * properties, checking them with the key named, and decides whether it connects at start-up.
 */
final class RemoteTemplates {

    private RemoteTemplates() {
    }

    /** The template of the remote under {@code key}; {@code undialed} are told of pulls that could not dial. */
    static SessionTemplate create(Peer peer, String key, String name, TeleportProperties.Client client,
            List<UndialedPulls> undialed) {
        List<CallOption> defaults = new ArrayList<>();
        if (client.pullTimeout() != null) {
            TeleportProperties.requirePositive(client.pullTimeout(), key + ".pull-timeout");
            defaults.add(CallOptions.timeout(client.pullTimeout()));
        }
        if (client.bodyCodec() != null && !client.bodyCodec().isBlank()) {
            Codec codec = peer.codecs().byName(client.bodyCodec());
            if (codec == null) {
                throw new IllegalStateException(key + ".body-codec: " + client.bodyCodec()
                        + " is not a codec of the peer (json, protobuf, string, or a Codec bean's name)");
            }
            defaults.add(CallOptions.bodyCodec(codec.id()));
        }
        return new SessionTemplate(peer, name, client.address(), defaults, undialed);
    }

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
