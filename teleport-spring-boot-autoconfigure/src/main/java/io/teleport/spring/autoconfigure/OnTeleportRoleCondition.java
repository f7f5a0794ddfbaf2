package io.teleport.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Map;

/**
 * Matches when the application has a Teleport role: a listen address, a default remote, or named
 * remotes; or {@code teleport.enabled} is true. Never when it is false.
 */
class OnTeleportRoleCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        Boolean enabled = enabled(binder);
        if (Boolean.FALSE.equals(enabled)) {
            return ConditionOutcome.noMatch("teleport.enabled is false");
        }
        if (listens(binder)) {
            return ConditionOutcome.match("teleport.server.listen-address is set");
        }
        if (hasRemotes(binder)) {
            return ConditionOutcome.match("teleport.client.address, .service-id or teleport.clients is set");
        }
        return Boolean.TRUE.equals(enabled) ? ConditionOutcome.match("teleport.enabled is true")
                : ConditionOutcome.noMatch("no teleport.server.listen-address, teleport.client.address or teleport.clients");
    }

    /** {@code teleport.enabled}: null when unset. */
    static Boolean enabled(Binder binder) {
        return binder.bind("teleport.enabled", Boolean.class).orElse(null);
    }

    /** Whether the application listens: {@code teleport.server.listen-address} is set. */
    static boolean listens(Binder binder) {
        return !binder.bind("teleport.server.listen-address", String.class).orElse("").isBlank();
    }

    /** Whether a default remote ({@code teleport.client.address}) or named remotes are configured. */
    static boolean hasRemotes(Binder binder) {
        return hasDefaultRemote(binder) || binder.bind("teleport.clients", Bindable.mapOf(String.class, TeleportProperties.Client.class))
                        .map(Map::isEmpty).map(empty -> !empty).orElse(false);
    }

    /** Whether the default remote is configured: {@code teleport.client.address} or {@code .service-id}. */
    static boolean hasDefaultRemote(Binder binder) {
        return binder.bind("teleport.client.address", String.class).isBound()
                || !binder.bind("teleport.client.service-id", String.class).orElse("").isBlank();
    }

    /** Matches when the application listens; an empty address ({@code ${LISTEN:}} unset) is none. */
    static class Listens extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return listens(Binder.get(context.getEnvironment()))
                    ? ConditionOutcome.match("teleport.server.listen-address is set")
                    : ConditionOutcome.noMatch("no teleport.server.listen-address");
        }
    }

    /** Matches when the default remote is configured, for the {@code SessionTemplate} bean. */
    static class DefaultRemote extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return hasDefaultRemote(Binder.get(context.getEnvironment()))
                    ? ConditionOutcome.match("teleport.client.address or teleport.client.service-id is set")
                    : ConditionOutcome.noMatch("no teleport.client.address or teleport.client.service-id");
        }
    }

    /** Matches when the application calls remotes, so that there is a template to check. */
    static class Remotes extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return hasRemotes(Binder.get(context.getEnvironment())) ? ConditionOutcome.match("remotes are configured")
                    : ConditionOutcome.noMatch("no teleport.client.address or teleport.clients");
        }
    }
}
