package io.teleport.spring.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link TeleportControllerException} into Boot's "APPLICATION FAILED TO START" report. */
class TeleportControllerFailureAnalyzer extends AbstractFailureAnalyzer<TeleportControllerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TeleportControllerException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
