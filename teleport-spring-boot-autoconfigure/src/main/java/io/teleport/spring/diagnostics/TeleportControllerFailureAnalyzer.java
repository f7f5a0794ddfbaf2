package io.teleport.spring.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link TeleportControllerException} into Boot's "APPLICATION FAILED TO START" report. */
class TeleportControllerFailureAnalyzer extends AbstractFailureAnalyzer<TeleportControllerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TeleportControllerException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Change the handler methods of '" + cause.beanName() + "' as the description says: each path "
                        + "belongs to one handler (@RoutePath moves one), and a handler has at most one body "
                        + "parameter besides the annotated ones (@MetaValue, @QueryValue) and its context.", cause);
    }
}
