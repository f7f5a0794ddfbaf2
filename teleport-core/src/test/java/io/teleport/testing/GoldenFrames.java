package io.teleport.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The frames captured from Go Teleport v3 (test resource {@code wire-vectors/teleport-v3-fast.md}). */
public final class GoldenFrames {

    private static final Pattern VECTOR = Pattern.compile(
            "## (V\\d+):.*?frame hex \\(exact wire bytes\\):\\s*```\\s*([0-9a-f\\s]+?)```", Pattern.DOTALL);

    private GoldenFrames() {
    }

    /** Every vector by name ({@code V1} ... {@code V13}). */
    public static Map<String, byte[]> all() {
        String text;
        try (InputStream in = GoldenFrames.class.getResourceAsStream("/wire-vectors/teleport-v3-fast.md")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, byte[]> frames = new LinkedHashMap<>();
        Matcher m = VECTOR.matcher(text);
        while (m.find()) {
            frames.put(m.group(1), HexFormat.of().parseHex(m.group(2).replaceAll("\\s", "")));
        }
        return frames;
    }

    /** One vector. */
    public static byte[] get(String name) {
        byte[] frame = all().get(name);
        if (frame == null) {
            throw new IllegalArgumentException("no golden frame " + name);
        }
        return frame;
    }
}
