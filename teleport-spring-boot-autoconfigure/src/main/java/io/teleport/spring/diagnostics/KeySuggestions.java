package io.teleport.spring.diagnostics;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * The known {@code teleport.*} key nearest to a misspelt one, for "did you mean": read from the
 * configuration metadata the starter's jar carries, so every setting it documents is a candidate and
 * nothing is listed twice. A key only one or two edits away (a few more for a long one) is suggested;
 * beyond that a guess would mislead more than help.
 */
final class KeySuggestions {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final String CLIENTS = "teleport.clients.";
    private static final String CLIENT = "teleport.client.";

    private final List<String> known;

    private KeySuggestions(List<String> known) {
        this.known = known;
    }

    /** The keys under {@code prefix} that {@code loader}'s configuration metadata documents; none if unreadable. */
    static KeySuggestions from(@Nullable ClassLoader loader, String prefix) {
        List<String> keys = new ArrayList<>();
        try {
            ClassLoader cl = loader != null ? loader : KeySuggestions.class.getClassLoader();
            JsonMapper mapper = JsonMapper.builder().build();
            Enumeration<URL> files = cl.getResources(METADATA);
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    for (JsonNode property : mapper.readTree(in).path("properties")) {
                        String name = property.path("name").asString("");
                        if (name.startsWith(prefix)) {
                            keys.add(name);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // A suggestion is a courtesy: without the metadata the warning still names the key.
            return new KeySuggestions(List.of());
        }
        return new KeySuggestions(keys);
    }

    /**
     * The known key nearest to {@code key}, if near enough to be what was meant. A named remote's key
     * ({@code teleport.clients.billing.pul-timeout}) is matched against the one remote's settings, which
     * the named ones share, and suggested under its name.
     */
    @Nullable String nearest(String key) {
        if (key.startsWith(CLIENTS)) {
            int nameEnd = key.indexOf('.', CLIENTS.length());
            if (nameEnd > 0) {
                String meant = nearestKnown(CLIENT + key.substring(nameEnd + 1));
                return meant == null || !meant.startsWith(CLIENT) ? null
                        : key.substring(0, nameEnd + 1) + meant.substring(CLIENT.length());
            }
        }
        return nearestKnown(key);
    }

    private @Nullable String nearestKnown(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(key, candidate, bestDistance);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 10) ? best : null;
    }

    /** Levenshtein distance, given up past {@code limit} (returns a value of at least {@code limit}). */
    static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) {
            return limit;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.min(rowMin, current[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
