package io.teleport.spring.diagnostics;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Explains a {@code teleport.*} value that cannot be converted to its setting's type, as the other
 * configuration errors are: the key, the value as written, what is expected, and where it was set.
 * Boot's own report names the conversion's Java classes (a {@code @DefaultValue Duration}, an
 * upper-case enum constant) and asks to "update your application's configuration".
 */
class TeleportBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        ConfigurationProperty property = cause.getProperty();
        Class<?> type = cause.getTarget().getType().resolve();
        String name = cause.getName().toString();
        if (property == null || type == null || !name.startsWith("teleport.") || !conversionFailed(cause)) {
            // A check of the value itself throws a TeleportConfigurationException, reported by its own analyzer.
            return null;
        }
        String expected;
        String action;
        if (type.isEnum()) {
            String choices = Arrays.stream(type.getEnumConstants())
                    .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .collect(Collectors.joining(", "));
            expected = "one of: " + choices;
            action = "Set " + name + " to one of: " + choices + ".";
        } else {
            expected = expected(type);
            action = "Set " + name + " to " + expected + ", or remove it for the default.";
        }
        String origin = property.getOrigin() == null ? "" : "\n\nOrigin: " + property.getOrigin();
        return new FailureAnalysis("Teleport cannot start with " + name + ": " + property.getValue()
                + " (expected " + expected + ")." + origin, action, cause);
    }

    private static boolean conversionFailed(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TeleportConfigurationException) {
                return false;
            }
            if (t instanceof ConversionFailedException) {
                return true;
            }
        }
        return false;
    }

    private static String expected(Class<?> type) {
        if (type == Duration.class) {
            return "a duration such as 10s, 500ms or 2m";
        }
        if (type == DataSize.class) {
            return "a size such as 16MB, 512KB or 4096 (bytes)";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "a whole number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        return "a value of type " + type.getSimpleName();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
