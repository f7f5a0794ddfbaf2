package io.teleport.router;

import org.jspecify.annotations.Nullable;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query of a message URI, parsed as Teleport v3's {@code ctx.Query()} parses it: with Go's
 * {@code url.ParseQuery} of that time (Go 1.9, early 2018).
 *
 * <ul>
 *   <li>Pairs are separated by {@code &} <em>and</em> {@code ;}. Go 1.17 stopped accepting
 *       {@code ;} (it drops a pair that contains one), but a Go v3 peer ran on a Go that split on
 *       it, so this does too.</li>
 *   <li>Empty pairs are skipped; the first {@code =} separates key from value; a pair without
 *       {@code =} has the empty value; a pair with an empty key is kept.</li>
 *   <li>{@code +} is a space and {@code %XX} a byte; the bytes are read as UTF-8.</li>
 *   <li>A pair whose key or value has a {@code %} not followed by two hex digits is dropped, and
 *       the rest is parsed: Teleport ignores the error {@code ParseQuery} returns with the rest.</li>
 * </ul>
 *
 * <p>Unlike the message metadata ({@link io.teleport.message.Meta}), which keeps a bad escape as it
 * is, a query pair with a bad escape never reaches a handler.
 */
public final class QueryString {

    private QueryString() {
    }

    /**
     * How many pairs {@link #parse} reads from {@code rawQuery} at most (the non-empty pieces between
     * separators), counted without allocating: a pair can be two characters of a URI and a hundred
     * times that once parsed, so a bound is checked before parsing.
     */
    public static int countPairs(String rawQuery) {
        int pairs = 0;
        boolean inPair = false;
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c == '&' || c == ';') {
                inPair = false;
            } else if (!inPair) {
                inPair = true;
                pairs++;
            }
        }
        return pairs;
    }

    /**
     * Parses a raw query (the text after {@code ?}, without it).
     *
     * @return the values of each key in order, keys in the order they first appear; unmodifiable
     */
    public static Map<String, List<String>> parse(String rawQuery) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = start;
            while (end < rawQuery.length() && rawQuery.charAt(end) != '&' && rawQuery.charAt(end) != ';') {
                end++;
            }
            if (end > start) {
                // Within this pair: indexOf would search to the end of the query for every pair without
                // a value, quadratic in a query of many (a&a&a...).
                int eq = start;
                while (eq < end && rawQuery.charAt(eq) != '=') {
                    eq++;
                }
                boolean hasValue = eq < end;
                String key = unescape(rawQuery, start, hasValue ? eq : end);
                String value = hasValue ? unescape(rawQuery, eq + 1, end) : "";
                if (key != null && value != null) {
                    values.computeIfAbsent(key, k -> new ArrayList<>(1)).add(value);
                }
            }
            start = end + 1;
        }
        values.replaceAll((key, list) -> Collections.unmodifiableList(list));
        return Collections.unmodifiableMap(values);
    }

    /** Go's {@code QueryUnescape} of {@code s[from, to)}; {@code null} for a bad escape. */
    private static @Nullable String unescape(String s, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to && plain; i++) {
            plain = s.charAt(i) != '%' && s.charAt(i) != '+';
        }
        if (plain) {
            return s.substring(from, to);
        }
        byte[] bytes = s.substring(from, to).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                int hi = i + 2 < bytes.length ? Character.digit(bytes[i + 1] & 0xFF, 16) : -1;
                int lo = i + 2 < bytes.length ? Character.digit(bytes[i + 2] & 0xFF, 16) : -1;
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                out.write(b == '+' ? ' ' : b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
