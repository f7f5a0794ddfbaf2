package io.teleport.demo;

/**
 * Values a remote peer chose (metadata, bodies, replies, pushes) as a log line may show them: line
 * breaks, other control characters, line separators and bidi overrides escaped, so that a value can
 * neither forge a line nor hide part of one, and at most {@value #MAX} characters, so that a message
 * cannot write a megabyte of log.
 */
public final class LogValues {

    /** The most characters of a value shown. */
    public static final int MAX = 200;

    private LogValues() {
    }

    /** {@code value} as a log line may show it. */
    public static String shown(Object value) {
        String text = String.valueOf(value);
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX) + 16);
        for (int i = 0; i < text.length() && sb.length() < MAX; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c >= '\u202a' && c <= '\u202e'
                    || c >= '\u2066' && c <= '\u2069') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return text.length() > MAX ? sb + "... (" + text.length() + " chars)" : sb.toString();
    }
}
