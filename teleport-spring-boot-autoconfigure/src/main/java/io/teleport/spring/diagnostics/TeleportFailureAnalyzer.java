package io.teleport.spring.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Turns a {@link TeleportConfigurationException} into Boot's "APPLICATION FAILED TO START" report,
 * naming the property and what to do, as Boot reports a web server's port in use. Ordered before
 * Boot's own analyzers, whose report of a failed binding of {@code teleport} names no property.
 */
class TeleportFailureAnalyzer extends AbstractFailureAnalyzer<TeleportConfigurationException> implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TeleportConfigurationException cause) {
        return new FailureAnalysis("Teleport cannot start with " + cause.property() + ": " + cause.problem() + ".",
                cause.action(), cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
