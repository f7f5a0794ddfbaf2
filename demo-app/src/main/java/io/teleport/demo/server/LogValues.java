package io.teleport.demo.server;

/**
 * Values a remote peer chose (metadata, bodies) as a log line may show them: line breaks and other
 * control characters escaped, so that a value cannot forge a line, and at most {@value #MAX}
 * characters, so that a request cannot write a megabyte of log.
 */
final class LogValues {

    static final int MAX = 200;

    private LogValues() {
    }

    static String shown(Object value) {
        String text = String.valueOf(value);
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX) + 16);
        for (int i = 0; i < text.length() && sb.length() < MAX; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return text.length() > MAX ? sb + "... (" + text.length() + " chars)" : sb.toString();
    }
}
