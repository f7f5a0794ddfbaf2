package io.teleport.router;

import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.StringJoiner;

/**
 * Teleport v3's route naming: class {@code Home}, method {@code testUnknown} and group {@code group}
 * give {@code /group/home/test_unknown}.
 */
public final class RouteNames {

    private RouteNames() {
    }

    /**
     * Go's {@code SnakeString}: an underscore before each upper-case ASCII letter that follows any
     * character other than {@code _}, then lower case. {@code TestUnknown} gives {@code test_unknown},
     * {@code HTTPServer} gives {@code h_t_t_p_server}, {@code Get2Items} gives {@code get2_items}.
     */
    public static String snake(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 4);
        boolean seenOther = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean upper = c >= 'A' && c <= 'Z';
            if (upper && i > 0 && seenOther) {
                sb.append('_');
            }
            if (c != '_') {
                seenOther = true;
            }
            sb.append(upper ? (char) (c + ('a' - 'A')) : c);
        }
        return sb.toString();
    }

    /** Go's {@code path.Join}: joins with {@code /} and cleans the result, which starts with {@code /}. */
    public static String join(@Nullable String... elements) {
        StringJoiner joiner = new StringJoiner("/", "/", "");
        for (String element : elements) {
            if (element != null && !element.isEmpty()) {
                joiner.add(element);
            }
        }
        return clean(joiner.toString());
    }

    /** Go's {@code path.Clean} for rooted paths: no empty, {@code .} or {@code ..} segments, no trailing slash. */
    public static String clean(String path) {
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        return "/" + String.join("/", segments);
    }
}
