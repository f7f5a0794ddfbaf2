package io.teleport.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code teleport.auth.token} (not empty) or {@code teleport.auth.accepted-tokens} is set, or a
 * remote's own {@code auth-token} ({@code teleport.client.auth-token}, {@code teleport.clients.<name>.auth-token}).
 */
class OnAuthConfiguredCondition extends SpringBootCondition {

    /** Only the remote's token, bound from its properties; the rest of them are the remote's own concern. */
    record RemoteToken(String authToken) {
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        // An empty token is none (teleport.auth.token: ${TELEPORT_TOKEN:} with the variable unset), not
        // a peer that verifies against an empty list and so refuses every client.
        boolean token = binder.bind("teleport.auth.token", String.class).map(t -> !t.isEmpty()).orElse(false);
        boolean accepted = binder.bind("teleport.auth.accepted-tokens", Bindable.listOf(String.class))
                .map(list -> !list.isEmpty()).orElse(false);
        if (token || accepted) {
            return ConditionOutcome.match("teleport.auth is configured");
        }
        boolean remote = binder.bind("teleport.client", RemoteToken.class).map(OnAuthConfiguredCondition::hasToken)
                .orElse(false) || binder.bind("teleport.clients", Bindable.mapOf(String.class, RemoteToken.class))
                .map(remotes -> remotes.values().stream().anyMatch(OnAuthConfiguredCondition::hasToken)).orElse(false);
        return remote ? ConditionOutcome.match("a remote has its own auth-token")
                : ConditionOutcome.noMatch("no teleport.auth.token, teleport.auth.accepted-tokens or remote auth-token");
    }

    private static boolean hasToken(RemoteToken remote) {
        return remote.authToken() != null && !remote.authToken().isEmpty();
    }
}
