package io.teleport.message;

import org.jspecify.annotations.Nullable;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON form of a {@link Rerror}, written as valid JSON and read as leniently as Go reads it.
 *
 * <p>Go Teleport v3 writes the form by hand and escapes only {@code "}, so a message with a
 * backslash ({@code C:\dir}, {@code \d+}) or a line break comes from a Go peer as JSON no strict
 * parser takes; Go reads it back with gjson, which does. Here the writer escapes what JSON requires
 * ({@code "}, {@code \}, control characters), which gjson and this reader decode to the same text,
 * and the reader takes Go's form too: a backslash that starts no valid escape is kept as it is, and
 * a raw control character is text. Only text with no object shape at all becomes a code-0 error
 * whose message is the text.
 */
final class RerrorJson {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");
    private static final Pattern LEADING_CODE = Pattern.compile("\\s*\\{\\s*\"code\"\\s*:\\s*([-+]?\\d+)");

    private final String json;
    private int at;

    private RerrorJson(String json) {
        this.json = json;
    }

    static String write(Rerror error) {
        String message = error.message();
        String detail = error.detail();
        StringBuilder sb = new StringBuilder(32 + message.length() + detail.length());
        sb.append("{\"code\":").append(error.code());
        if (!message.isEmpty()) {
            quote(sb.append(",\"message\":"), message);
        }
        if (!detail.isEmpty()) {
            quote(sb.append(",\"detail\":"), detail);
        }
        return sb.append('}').toString();
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"', '\\' -> sb.append('\\').append(c);
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    static Rerror read(String json) {
        Rerror read = new RerrorJson(json).object();
        if (read != null) {
            return read;
        }
        // Not an object as a whole (Go's text ending in a backslash escapes the closing quote): the code
        // Go writes first still counts, as gjson finds it; the text stays whole as the message.
        Matcher leading = LEADING_CODE.matcher(json);
        return new Rerror(leading.lookingAt() ? number(leading.group(1)) : 0, json, "");
    }

    /** The object's code, message and detail (missing ones zero or empty); null when it is no object. */
    private @Nullable Rerror object() {
        skipSpace();
        if (!take('{')) {
            return null;
        }
        Integer code = null;
        String message = null;
        String detail = null;
        skipSpace();
        if (take('}')) {
            return rest() ? new Rerror(0, "", "") : null;
        }
        do {
            skipSpace();
            String key = peekIs('"') ? string() : null;
            skipSpace();
            if (key == null || !take(':')) {
                return null;
            }
            skipSpace();
            boolean quoted = peekIs('"');
            String value = quoted ? string() : bare();
            if (value == null) {
                return null;
            }
            // The first of a repeated key counts, as gjson reads it; other fields are ignored, as Go does.
            String text = quoted || !value.equals("null") ? value : "";
            switch (key) {
                case "code" -> code = code != null ? code : number(value);
                case "message" -> message = message != null ? message : text;
                case "detail" -> detail = detail != null ? detail : text;
                default -> {
                    // ignored
                }
            }
            skipSpace();
        } while (take(','));
        return take('}') && rest() ? new Rerror(code == null ? 0 : code, message, detail) : null;
    }

    private boolean rest() {
        skipSpace();
        return at == json.length();
    }

    /** A code as Go's gjson reads one: a number's integer part (of a quoted one too, {@code 1e3} is 1000), else 0. */
    private static int number(String value) {
        Matcher number = NUMBER.matcher(value);
        if (!number.lookingAt()) {
            return 0;
        }
        double parsed = Double.parseDouble(number.group());
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parsed));
    }

    /** A quoted string from its opening quote, its escapes decoded; null when it never closes. */
    private @Nullable String string() {
        at++;
        StringBuilder sb = new StringBuilder();
        while (at < json.length()) {
            char c = json.charAt(at++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\' || at == json.length()) {
                sb.append(c);
                continue;
            }
            char e = json.charAt(at);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int unit = hex4(at + 1);
                    if (unit < 0) {
                        // Go's unescaped text: the backslash is text, and so is what follows.
                        sb.append('\\');
                        continue;
                    }
                    sb.append((char) unit);
                    at += 4;
                }
                default -> {
                    sb.append('\\');
                    continue;
                }
            }
            at++;
        }
        return null;
    }

    private int hex4(int from) {
        if (from + 4 > json.length()) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = Character.digit(json.charAt(i), 16);
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    /** An unquoted value (a number, true, null, or a nested object or array as text); null when it has none. */
    private @Nullable String bare() {
        int start = at;
        int depth = 0;
        while (at < json.length()) {
            char c = json.charAt(at);
            if (c == '"') {
                if (string() == null) {
                    return null;
                }
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
            at++;
        }
        String value = json.substring(start, at).strip();
        return value.isEmpty() || depth != 0 ? null : value;
    }

    private void skipSpace() {
        while (at < json.length() && Character.isWhitespace(json.charAt(at))) {
            at++;
        }
    }

    private boolean peekIs(char c) {
        return at < json.length() && json.charAt(at) == c;
    }

    private boolean take(char c) {
        if (peekIs(c)) {
            at++;
            return true;
        }
        return false;
    }
}
