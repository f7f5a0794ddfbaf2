package io.teleport.spring.diagnostics;

import io.teleport.spring.client.SessionTemplate;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.util.Map;
import java.util.Set;

/**
 * Explains a {@code SessionTemplate} that was injected but does not exist. The one bean of that type is
 * the default remote's, made from {@code teleport.client.address} or {@code .service-id}; remotes named
 * under {@code teleport.clients} are reached through {@code SessionTemplates} instead, which Boot's own
 * report of a missing bean does not say. Ordered before that report.
 */
class MissingSessionTemplateFailureAnalyzer extends AbstractFailureAnalyzer<NoSuchBeanDefinitionException>
        implements Ordered {

    private final Environment environment;

    MissingSessionTemplateFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchBeanDefinitionException cause) {
        Class<?> missing = cause.getBeanType();
        if (missing != SessionTemplate.class) {
            return null;
        }
        Set<String> named = Binder.get(environment)
                .bind("teleport.clients", Bindable.mapOf(String.class, Object.class)).orElse(Map.of()).keySet();
        String description = "A SessionTemplate was injected, but there is none: the SessionTemplate bean is the "
                + "default remote's, and neither teleport.client.address nor teleport.client.service-id is set.";
        String action = "Set teleport.client.address to the remote peer's host:port (or teleport.client.service-id "
                + "to find it through discovery)";
        if (named.isEmpty()) {
            return new FailureAnalysis(description, action + ".", cause);
        }
        String first = named.iterator().next();
        return new FailureAnalysis(description + " Named remotes are configured: " + named + ".",
                action + "; or, to call a named remote, inject SessionTemplates and use get(\"" + first + "\").",
                cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
