package io.teleport.internal.log;

/** Go's {@code time.Duration.String()}, for log lines that read like Teleport's: {@code 1.503ms}, {@code 2.000123s}. */
final class GoDuration {

    private GoDuration() {
    }

    static String format(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder(16);
        if (nanos < 0) {
            sb.append('-');
            nanos = -nanos;
        }
        if (nanos < 1_000) {
            return sb.append(nanos).append("ns").toString();
        }
        if (nanos < 1_000_000) {
            return fraction(sb, nanos, 1_000, 3).append("µs").toString();
        }
        if (nanos < 1_000_000_000) {
            return fraction(sb, nanos, 1_000_000, 6).append("ms").toString();
        }
        long hours = nanos / 3_600_000_000_000L;
        long rest = nanos % 3_600_000_000_000L;
        long minutes = rest / 60_000_000_000L;
        rest %= 60_000_000_000L;
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        return fraction(sb, rest, 1_000_000_000, 9).append('s').toString();
    }

    /** {@code value / unit} with up to {@code digits} decimals, trailing zeros trimmed. */
    private static StringBuilder fraction(StringBuilder sb, long value, long unit, int digits) {
        sb.append(value / unit);
        long frac = value % unit;
        if (frac != 0) {
            String f = String.format("%0" + digits + "d", frac);
            int end = f.length();
            while (end > 0 && f.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(f, 0, end);
        }
        return sb;
    }
}
