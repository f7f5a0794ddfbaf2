package io.teleport.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code teleport.auth.token} (not empty) or {@code teleport.auth.accepted-tokens} is set. */
class OnAuthConfiguredCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        // An empty token is none (teleport.auth.token: ${TELEPORT_TOKEN:} with the variable unset), not
        // a peer that verifies against an empty list and so refuses every client.
        boolean token = binder.bind("teleport.auth.token", String.class).map(t -> !t.isEmpty()).orElse(false);
        boolean accepted = binder.bind("teleport.auth.accepted-tokens", Bindable.listOf(String.class))
                .map(list -> !list.isEmpty()).orElse(false);
        return token || accepted ? ConditionOutcome.match("teleport.auth is configured")
                : ConditionOutcome.noMatch("no teleport.auth.token or teleport.auth.accepted-tokens");
    }
}
