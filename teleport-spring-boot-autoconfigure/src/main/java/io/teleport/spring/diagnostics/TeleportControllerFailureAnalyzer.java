package io.teleport.spring.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link TeleportControllerException} into Boot's "APPLICATION FAILED TO START" report. */
class TeleportControllerFailureAnalyzer extends AbstractFailureAnalyzer<TeleportControllerException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, TeleportControllerException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Change the handler methods of '" + cause.beanName() + "' as the description says (each path "
                        + "belongs to one handler, which @RoutePath or a group moves; a handler has at most one body "
                        + "parameter besides its context, session and @MetaValue/@QueryValue values, which convert "
                        + "from text), or mark a public method that is no handler with @NotRoute.", cause);
    }
}
