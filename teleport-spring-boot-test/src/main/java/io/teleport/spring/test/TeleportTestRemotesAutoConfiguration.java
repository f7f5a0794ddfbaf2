package io.teleport.spring.test;

import io.teleport.spring.autoconfigure.TeleportAutoConfiguration;
import io.teleport.spring.autoconfigure.TeleportProperties;
import io.teleport.spring.client.EagerRemotes;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import java.util.ArrayList;
import java.util.List;

/**
 * The slice's remotes: dialed at start-up only when their {@code connect} says {@code eager}. In an
 * application an unset {@code connect} is eager when it has push controllers; a {@link TeleportTest}
 * runs those controllers on the in-JVM {@code local} network, where the application's remotes
 * ({@code teleport.client.address}, {@code teleport.clients.*}) usually cannot be reached, and dialing
 * them would only log failed redials for the whole test. A test that points a remote at a fake of its
 * own and wants it dialed at start-up says {@code connect=eager}; any other remote is dialed on first
 * use.
 */
@AutoConfiguration(before = TeleportAutoConfiguration.class)
public final class TeleportTestRemotesAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    EagerRemotes teleportEagerRemotes(ObjectProvider<TeleportProperties> configured,
            ObjectProvider<SessionTemplate> template, ObjectProvider<SessionTemplates> named) {
        List<SessionTemplate> eager = new ArrayList<>();
        TeleportProperties properties = configured.getIfAvailable();
        if (properties == null) {
            return new EagerRemotes(eager);
        }
        if (properties.client() != null && properties.client().connect() == TeleportProperties.Connect.EAGER) {
            template.ifAvailable(eager::add);
        }
        properties.clients().forEach((name, client) -> {
            if (client.connect() == TeleportProperties.Connect.EAGER) {
                eager.add(named.getObject().get(name));
            }
        });
        return new EagerRemotes(eager);
    }
}
