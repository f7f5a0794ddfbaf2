package io.teleport.spring.diagnostics;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Turns a {@link TeleportConfigurationException} into Boot's "APPLICATION FAILED TO START" report,
 * naming the property and what to do, as Boot reports a web server's port in use. Ordered before
 * Boot's own analyzers, whose report of a failed binding of {@code teleport} names no property. The
 * report says where the value was set (a file and line, a command-line argument) when the
 * environment knows: checks made after binding see the value, not where it came from.
 */
class TeleportFailureAnalyzer extends AbstractFailureAnalyzer<TeleportConfigurationException> implements Ordered {

    private final @Nullable Environment environment;

    /** Boot passes the application's environment; {@code null} reports without the value's origin. */
    TeleportFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TeleportConfigurationException cause) {
        String origin = origin(cause.property());
        return new FailureAnalysis("Teleport cannot start with " + cause.property() + ": " + cause.problem() + "."
                + (origin == null ? "" : "\n\nOrigin: " + origin), cause.action(), cause);
    }

    private @Nullable String origin(String property) {
        if (environment == null || !ConfigurationPropertyName.isValid(property)) {
            return null;
        }
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            if (found != null) {
                Origin origin = found.getOrigin();
                return origin == null ? null : origin.toString();
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
