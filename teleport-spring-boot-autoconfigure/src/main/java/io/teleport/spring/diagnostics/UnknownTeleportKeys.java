package io.teleport.spring.diagnostics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.core.env.Environment;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Warns of {@code teleport.*} keys that no setting takes: a misspelt {@code teleport.pul-timeout}
 * would otherwise be ignored without a word, and the application run with the default. A warning,
 * not a failure, so that a key of a later version in shared configuration does not stop an older
 * application; Boot's own unbound-elements check finds them, in the same sources (configuration
 * files and the command line, not the environment's variables). Under {@code teleport.auth} and
 * {@code teleport.ssl} such a key fails start-up instead: {@code teleport.auth.accepted-token} for
 * {@code accepted-tokens} would run a server that accepts anyone.
 */
public final class UnknownTeleportKeys {

    private static final Logger log = LoggerFactory.getLogger(UnknownTeleportKeys.class);
    /** Where a misspelt key fails start-up instead: settings whose absence opens the peer. */
    private static final List<String> SECURITY = List.of("teleport.auth.", "teleport.ssl.");

    private UnknownTeleportKeys() {
    }

    /**
     * Binds {@code type} from {@code prefix} once more, only to list the keys that bound to nothing
     * other than {@code readElsewhere} (keys that conditions read, not the properties class).
     */
    public static void warn(Environment environment, String prefix, Class<?> type, Set<String> readElsewhere) {
        warn(unbound(environment, prefix, type, readElsewhere), true);
    }

    /**
     * As {@link #warn}, without failing for security keys: for an application that failed to start
     * already, whose every misspelt key is worth naming.
     */
    public static void warnAll(Environment environment, String prefix, Class<?> type, Set<String> readElsewhere) {
        warn(unbound(environment, prefix, type, readElsewhere), false);
    }

    private static void warn(List<ConfigurationProperty> unknown, boolean failOnSecurityKeys) {
        for (ConfigurationProperty key : unknown) {
            if (failOnSecurityKeys && security(key.getName().toString())) {
                // Ignored, a misspelt security setting leaves the peer open: stop rather than warn. The
                // failure analysis adds where it was set.
                throw new TeleportConfigurationException(written(key), "not a Teleport setting (misspelt?);"
                        + " the peer does not start, as without the setting meant it would lack the security asked for",
                        "Correct the key (teleport.auth.token, teleport.auth.accepted-tokens, teleport.auth.timeout,"
                                + " teleport.ssl.bundle, teleport.ssl.client-auth, teleport.ssl.roles, a remote's"
                                + " auth-token) or remove it.", null);
            }
        }
        if (!unknown.isEmpty()) {
            // Ignored by a peer that starts; one that failed to start already ignores nothing.
            log.warn("not Teleport settings{} (misspelt?): {}", failOnSecurityKeys ? ", ignored" : "", describe(unknown));
        }
    }

    /**
     * Whether a misspelling of {@code key} would leave out a security setting: TLS, the peer's tokens, or a
     * remote's own token ({@code teleport.clients.partner.auth-tokn} would send it the peer's instead).
     */
    private static boolean security(String key) {
        if (SECURITY.stream().anyMatch(key::startsWith) || key.startsWith("teleport.client.auth")) {
            return true;
        }
        if (!key.startsWith("teleport.clients.")) {
            return false;
        }
        int nameEnd = key.indexOf('.', "teleport.clients.".length());
        return nameEnd > 0 && key.startsWith("auth", nameEnd + 1);
    }

    /**
     * The keys {@link #warn} names, each with where it was set, separated by "; "; empty when there are
     * none. For a failure analysis, where the application stops before the warning's turn comes.
     */
    public static String find(Environment environment, String prefix, Class<?> type, Set<String> readElsewhere) {
        return describe(unbound(environment, prefix, type, readElsewhere));
    }

    /** The keys under {@code prefix} that bind to nothing of {@code type}, other than {@code readElsewhere}. */
    private static List<ConfigurationProperty> unbound(Environment environment, String prefix, Class<?> type,
            Set<String> readElsewhere) {
        try {
            // Not environment variables or system properties, as Boot's own check: a Kubernetes service
            // named teleport gives every pod TELEPORT_PORT and TELEPORT_SERVICE_HOST.
            Binder.get(environment).bind(prefix, Bindable.of(type), new UnboundKeysHandler());
        } catch (BindException e) {
            if (e.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
                return unbound.getUnboundProperties().stream()
                        .filter(p -> !readElsewhere.contains(p.getName().toString()))
                        // An empty value is how a setting is left unset (${X:}): it binds to nothing.
                        .filter(p -> !"".equals(p.getValue()))
                        .sorted(Comparator.comparing(p -> p.getName().toString())).toList();
            }
            // Any other failure is the real binding's to report.
        }
        return List.of();
    }

    /**
     * Boot's check of unbound keys, made also when the properties' own constructor refuses the values it
     * was given: the keys that bound to nothing are the likeliest reason (a remote's address written
     * {@code adress} is refused as empty). Not when a nested value failed: the keys after it were never
     * tried, and would look unknown.
     */
    private static final class UnboundKeysHandler extends NoUnboundElementsBindHandler {

        private boolean nestedFailed;

        UnboundKeysHandler() {
            super(BindHandler.DEFAULT, new UnboundElementsSourceFilter());
        }

        @Override
        public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                Exception error) throws Exception {
            if (context.getDepth() > 0) {
                nestedFailed = true;
            } else if (!nestedFailed) {
                onFinish(name, target, context, null);
            }
            return super.onFailure(name, target, context, error);
        }
    }

    private static String describe(List<ConfigurationProperty> properties) {
        if (properties.isEmpty()) {
            return "";
        }
        KeySuggestions suggestions = KeySuggestions.from(Thread.currentThread().getContextClassLoader(), "teleport.");
        // A list's elements are one key as written: named once, where its first element was set.
        return properties.stream().collect(Collectors.toMap(UnknownTeleportKeys::written, p -> describe(p, suggestions),
                (first, next) -> first, java.util.LinkedHashMap::new)).values().stream().collect(Collectors.joining("; "));
    }

    private static String describe(ConfigurationProperty property, KeySuggestions suggestions) {
        String meant = suggestions.nearest(written(property));
        return written(property) + (meant == null ? "" : " (did you mean " + meant + "?)")
                + (property.getOrigin() == null ? "" : " (" + property.getOrigin() + ")");
    }

    /** The key as it was written: {@code accepted-token}, not its elements {@code accepted-token[0]} (trial 17). */
    private static String written(ConfigurationProperty property) {
        ConfigurationPropertyName name = property.getName();
        while (name.isLastElementIndexed() && name.getNumberOfElements() > 1) {
            name = name.getParent();
        }
        return name.toString();
    }
}
