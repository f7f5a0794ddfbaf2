package io.teleport.spring.autoconfigure;

import io.teleport.spring.diagnostics.TeleportConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.Environment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fails start-up for a {@code teleport.*} duration written as a bare number under a second: Spring
 * reads {@code pull-timeout: 30} as 30 milliseconds, which no timeout or rate here is meant to be, and
 * the mistake shows only under load (every pull slower than 30 ms fails with {@code 408}). A number of
 * a second or more, or zero (off), is unambiguous and left alone; so is any value with its unit.
 */
final class UnitlessDurations {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private UnitlessDurations() {
    }

    /** Binds {@code type} from {@code prefix} once more, only to look at how its durations were written. */
    static void check(Environment environment, String prefix, Class<?> type) {
        List<ConfigurationProperty> bare = new ArrayList<>();
        Binder.get(environment).bind(prefix, Bindable.of(type), new AbstractBindHandler() {
            @Override
            public @Nullable Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                    Object result) {
                ConfigurationProperty property = context.getConfigurationProperty();
                if (result instanceof Duration d && !d.isZero() && d.compareTo(SECOND) < 0 && property != null
                        && digitsOnly(property.getValue())) {
                    bare.add(property);
                }
                return super.onSuccess(name, target, context, result);
            }
        });
        if (bare.isEmpty()) {
            return;
        }
        ConfigurationProperty first = bare.get(0);
        throw unitless(first.getName().toString(), text(first.getValue()),
                bare.size() > 1 ? "; so are " + names(bare.subList(1, bare.size())) : "");
    }

    /** The failure of {@code key}, written {@code written} without a unit; {@code more} follows the problem. */
    static TeleportConfigurationException unitless(String key, String written, String more) {
        return new TeleportConfigurationException(key, written + " has no unit, so it is " + written + " milliseconds"
                + more, "Write the unit: " + written + "s for seconds, or " + written + "ms if milliseconds are meant.", null);
    }

    /** Whether {@code value} is a bare number, which Spring reads as milliseconds. */
    static boolean digitsOnly(@Nullable Object value) {
        String text = text(value);
        return !text.isEmpty() && text.chars().allMatch(Character::isDigit);
    }

    private static String text(@Nullable Object value) {
        Object v = value instanceof OriginTrackedValue tracked ? tracked.getValue() : value;
        return v == null ? "" : v.toString().strip();
    }

    private static String names(List<ConfigurationProperty> properties) {
        return String.join(", ", properties.stream().map(p -> p.getName() + ": " + text(p.getValue())).toList());
    }
}
