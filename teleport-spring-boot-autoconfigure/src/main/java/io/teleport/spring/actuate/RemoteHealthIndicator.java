package io.teleport.spring.actuate;

import io.teleport.spring.client.RemoteInstances;
import io.teleport.spring.client.RemoteState;
import io.teleport.spring.client.SessionTemplate;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Health of one remote behind a {@link SessionTemplate}: UP while connected (for a service, to any of
 * its instances, each listed with its state; or not dialed yet, for a remote dialed on first use), DOWN while its connection is being redialed or its last dial failed,
 * with the state, the address and the last error. The peer's own indicator stays UP meanwhile: the
 * peer runs; it is the remote that cannot be reached.
 */
public final class RemoteHealthIndicator extends AbstractHealthIndicator {

    private final SessionTemplate template;

    /** Health of {@code template}'s remote. */
    public RemoteHealthIndicator(SessionTemplate template) {
        super("Teleport remote health check failed");
        this.template = template;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        RemoteState state = template.state();
        Throwable error = template.lastError();
        switch (state) {
            case CONNECTED, IDLE -> builder.up();
            case CONNECTING -> {
                if (error == null) {
                    builder.unknown();
                } else {
                    builder.down();
                }
            }
            default -> builder.down();
        }
        builder.withDetail("address", template.address()).withDetail("state", state.name());
        RemoteInstances instances = template.instances();
        if (instances.serviceId() != null) {
            Map<String, String> each = new LinkedHashMap<>();
            instances.list().forEach(i -> each.put(i.address(), instances.state(i).name()));
            builder.withDetail("instances", each);
        }
        if (error != null) {
            // The remote's words, cut: a hostile server's 60 KB refusal made the health page 60 KB (hostile round 14).
            builder.withDetail("lastError", String.valueOf(template.lastErrorText()));
        }
        if (template.failedDials() > 0) {
            builder.withDetail("failedDials", template.failedDials());
        }
    }
}
