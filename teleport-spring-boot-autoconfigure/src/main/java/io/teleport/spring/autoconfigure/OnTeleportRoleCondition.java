package io.teleport.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Map;

/** Matches when the application has a Teleport role: a listen address, a default remote, or named remotes. */
class OnTeleportRoleCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        if (!binder.bind("teleport.server.listen-address", String.class).orElse("").isBlank()) {
            return ConditionOutcome.match("teleport.server.listen-address is set");
        }
        if (binder.bind("teleport.client.address", String.class).isBound()) {
            return ConditionOutcome.match("teleport.client.address is set");
        }
        boolean remotes = binder.bind("teleport.clients", Bindable.mapOf(String.class, TeleportProperties.Client.class))
                .map(Map::isEmpty).map(empty -> !empty).orElse(false);
        return remotes ? ConditionOutcome.match("teleport.clients are set")
                : ConditionOutcome.noMatch("no teleport.server.listen-address, teleport.client.address or teleport.clients");
    }
}
