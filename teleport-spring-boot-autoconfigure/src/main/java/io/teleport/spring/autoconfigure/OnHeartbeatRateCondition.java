package io.teleport.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.time.Duration;

/**
 * Matches when a heartbeat rate is set to a duration: an empty value ({@code ping-rate: ${RATE:}})
 * leaves it unset, as documented, where {@code @ConditionalOnProperty} would count it as present.
 */
abstract class OnHeartbeatRateCondition extends SpringBootCondition {

    private final String key;

    OnHeartbeatRateCondition(String key) {
        this.key = key;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return Binder.get(context.getEnvironment()).bind(key, Duration.class).isBound()
                ? ConditionOutcome.match(key + " is set") : ConditionOutcome.noMatch(key + " is not set");
    }

    /** {@code teleport.heartbeat.ping-rate}. */
    static final class Ping extends OnHeartbeatRateCondition {
        Ping() {
            super("teleport.heartbeat.ping-rate");
        }
    }

    /** {@code teleport.heartbeat.pong-rate}. */
    static final class Pong extends OnHeartbeatRateCondition {
        Pong() {
            super("teleport.heartbeat.pong-rate");
        }
    }
}
