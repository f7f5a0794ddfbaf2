package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.spring.annotation.PullController;
import io.teleport.spring.annotation.PushController;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Present when the application has no Teleport role (no listen address and no remote, and
 * {@code teleport.enabled} not true), or {@code teleport.enabled} is false: Teleport then starts nothing, and an application with controllers would start, serve nothing and say nothing.
 * This says so once, at WARN, naming the controllers and the keys that start a peer.
 */
@AutoConfiguration
@ConditionalOnClass(Peer.class)
@Conditional(TeleportWithoutRoleAutoConfiguration.NoRole.class)
public final class TeleportWithoutRoleAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(TeleportWithoutRoleAutoConfiguration.class);

    @Bean
    static SmartInitializingSingleton teleportControllersWithoutPeerWarning(ListableBeanFactory beans, Environment environment) {
        return () -> {
            List<String> controllers = new ArrayList<>();
            controllers.addAll(Arrays.asList(beans.getBeanNamesForAnnotation(PullController.class)));
            controllers.addAll(Arrays.asList(beans.getBeanNamesForAnnotation(PushController.class)));
            if (!controllers.isEmpty() && Boolean.FALSE.equals(OnTeleportRoleCondition.enabled(Binder.get(environment)))) {
                log.info("Teleport controllers {} serve nothing: teleport.enabled is false.", controllers);
            } else if (!controllers.isEmpty()) {
                log.warn("Teleport controllers {} serve nothing: no peer runs, since none of teleport.server.listen-address, "
                        + "teleport.client.address or teleport.clients is set. Set teleport.server.listen-address to "
                        + "serve them (such as 0.0.0.0:9090), or a remote to be called back by it.", controllers);
            }
        };
    }

    /** Names misspelt {@code teleport.*} keys: a misspelt address is the likely reason no role is set. */
    @Bean
    static SmartInitializingSingleton teleportUnknownKeysWarning(Environment environment) {
        return () -> TeleportAutoConfiguration.warnOfUnknownKeys(environment);
    }

    /** The opposite of {@link OnTeleportRoleCondition}. */
    static final class NoRole extends SpringBootCondition {

        private final OnTeleportRoleCondition role = new OnTeleportRoleCondition();

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ConditionOutcome outcome = role.getMatchOutcome(context, metadata);
            return outcome.isMatch() ? ConditionOutcome.noMatch(outcome.getMessage())
                    : ConditionOutcome.match(outcome.getMessage());
        }
    }
}
