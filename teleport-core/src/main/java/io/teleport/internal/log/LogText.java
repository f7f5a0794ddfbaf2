package io.teleport.internal.log;

import org.jspecify.annotations.Nullable;

/**
 * Makes text that a remote peer chose (URIs, metadata, bodies, error details) safe for a log line:
 * control characters, line and paragraph separators are escaped, so no line can be forged, and the
 * text is cut at a bound with the size of what was left out. Backslashes are left as they are (a JSON
 * body's own escapes stay readable), so an escape written here reads the same as those characters sent
 * as text.
 */
public final class LogText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {
    }

    /** {@code text} escaped and cut to at most {@code max} characters of the original; {@code "null"} for none. */
    public static String safe(@Nullable CharSequence text, int max) {
        if (text == null) {
            return "null";
        }
        int n = text.length();
        int end = Math.min(n, max);
        int i = 0;
        while (i < end && printable(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return text.toString();
        }
        StringBuilder sb = new StringBuilder(end + 24);
        sb.append(text, 0, i);
        for (; i < end; i++) {
            char c = text.charAt(i);
            if (printable(c)) {
                sb.append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else {
                sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                        .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            }
        }
        if (n > end) {
            sb.append("...(").append(n - end).append(" more chars)");
        }
        return sb.toString();
    }

    /**
     * Whether {@code text} can forge or hide nothing in a log line as it is, and is at most {@code max}
     * characters: no control character, line or paragraph separator or bidi override.
     */
    public static boolean harmless(CharSequence text, int max) {
        if (text.length() > max) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!printable(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean printable(char c) {
        if (c < 0x20 || c == 0x7f) {
            return false;
        }
        if (c < 0x80) {
            return true;
        }
        // C1 controls, line/paragraph separators and bidi overrides can also forge or hide log lines.
        return !(c <= 0x9f || c == '\u2028' || c == '\u2029' || (c >= '\u202a' && c <= '\u202e')
                || (c >= '\u2066' && c <= '\u2069'));
    }
}
