package io.teleport.spring.diagnostics;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Explains a {@code teleport.*} value that is not one of its choices ({@code teleport.error.include-message},
 * {@code teleport.message-log-format}, ...), listing them as they are written in properties. Boot's own
 * report shows the conversion's exception, which names a Java class and an upper-case constant.
 */
class TeleportEnumBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        ConfigurationProperty property = cause.getProperty();
        Class<?> type = cause.getTarget().getType().resolve();
        String name = cause.getName().toString();
        if (property == null || type == null || !type.isEnum() || !name.startsWith("teleport.")) {
            return null;
        }
        String choices = Arrays.stream(type.getEnumConstants())
                .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", "));
        return new FailureAnalysis("Teleport cannot start with " + name + ": " + property.getValue()
                + " (expected one of: " + choices + ").", "Set " + name + " to one of: " + choices + ".", cause);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
