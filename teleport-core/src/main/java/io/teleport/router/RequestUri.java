package io.teleport.router;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The routing view of a message URI: its decoded path and its raw query.
 *
 * <p>Parsed as Go's {@code net/url} does for Teleport: a scheme and authority are skipped, the path
 * is percent-decoded and the query is kept as sent. Only the path is used for routing.
 *
 * @param path the decoded path, such as {@code /home/test}
 * @param rawQuery the text after {@code ?} and before any {@code #}, as sent; empty when absent
 */
public record RequestUri(String path, String rawQuery) {

    /**
     * Parses a message URI.
     *
     * @throws IllegalArgumentException with Go's wording for control characters and bad escapes
     */
    public static RequestUri parse(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("parse " + quote(uri) + ": net/url: invalid control character in URL");
            }
        }
        int end = uri.length();
        int hash = uri.indexOf('#');
        if (hash >= 0) {
            end = hash;
        }
        int question = uri.indexOf('?');
        String rawQuery = "";
        if (question >= 0 && question < end) {
            rawQuery = uri.substring(question + 1, end);
            end = question;
        }
        int start = 0;
        int scheme = uri.indexOf("://");
        if (scheme > 0 && scheme < end && isScheme(uri, scheme)) {
            start = authorityEnd(uri, scheme + 3, end);
        } else if (uri.startsWith("//")) {
            start = authorityEnd(uri, 2, end);
        }
        return new RequestUri(unescapePath(uri, start, end), rawQuery);
    }

    private static boolean isScheme(String uri, int end) {
        for (int i = 0; i < end; i++) {
            char c = uri.charAt(i);
            boolean ok = Character.isLetter(c) || (i > 0 && (Character.isDigit(c) || c == '+' || c == '-' || c == '.'));
            if (!ok || c > 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static int authorityEnd(String uri, int from, int end) {
        int slash = uri.indexOf('/', from);
        return slash < 0 || slash > end ? end : slash;
    }

    private static String unescapePath(String uri, int from, int to) {
        if (uri.indexOf('%', from) < 0 || uri.indexOf('%', from) >= to) {
            return uri.substring(from, to);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        byte[] bytes = uri.substring(from, to).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                int hi = i + 2 < bytes.length ? Character.digit(bytes[i + 1] & 0xFF, 16) : -1;
                int lo = i + 2 < bytes.length ? Character.digit(bytes[i + 2] & 0xFF, 16) : -1;
                if (hi < 0 || lo < 0) {
                    int stop = Math.min(bytes.length, i + 3);
                    throw new IllegalArgumentException("parse " + quote(uri) + ": invalid URL escape "
                            + quote(new String(bytes, i, stop - i, StandardCharsets.UTF_8)));
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }
}
