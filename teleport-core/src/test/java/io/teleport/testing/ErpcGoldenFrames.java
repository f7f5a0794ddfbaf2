package io.teleport.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The frames captured from Go erpc v6.3.5 (test resource {@code wire-vectors/erpc-v6-raw.md}, a copy of
 * {@code shared/wire-vectors/erpc-v6-raw.md}), with the fields each vector's description documents, so
 * that a test checks a decoding against the capture's own account of it rather than against itself.
 */
public final class ErpcGoldenFrames {

    /**
     * One vector as documented.
     *
     * @param id {@code E1} ... {@code E43}
     * @param frame the exact wire bytes
     * @param mtype erpc's message type, 1 to 5
     * @param seqText the seq as written on the wire
     * @param serviceMethod the service method, empty when the vector says none
     * @param filters the transfer-filter ids
     * @param codec the body codec byte
     * @param status the status query
     * @param meta the meta query, empty when none
     * @param bodyLength the body length in bytes
     * @param bodyText the body as text, or {@code null} for a binary (protobuf) body
     */
    public record Vector(String id, byte[] frame, int mtype, String seqText, String serviceMethod, String filters,
            byte codec, String status, String meta, int bodyLength, String bodyText) {
    }

    private static final Pattern SECTION = Pattern.compile("^## (E\\d+):(.*?)(?=^## |\\z)",
            Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern HEX = Pattern.compile("frame hex \\(exact wire bytes\\):\\s*```\\s*([0-9a-f\\s]+?)```");
    private static final Pattern DIRECTION = Pattern.compile(
            "^- direction: [^;]+; mtype: (\\d) \\([A-Z_]+\\); seq: \"([0-9a-z]+)\" = \\d+; service method: (.*)$",
            Pattern.MULTILINE);
    private static final Pattern SIZE = Pattern.compile(
            "^- size: (\\d+) bytes; filters: (none|`[^`]*`); codec: .*?(?:=0x([0-9a-f]{2})\\)|\\((0x00)\\))$",
            Pattern.MULTILINE);
    private static final Pattern STATUS = Pattern.compile("^- status: `([^`]*)`$", Pattern.MULTILINE);
    private static final Pattern META = Pattern.compile("^- meta: (?:`([^`]*)`|\\(empty, length 0\\))$",
            Pattern.MULTILINE);
    private static final Pattern BODY = Pattern.compile(
            "^- body(?:: \\(empty\\)| \\(text, (\\d+) bytes\\): `(.*)`| \\((\\d+) bytes protobuf.*)$", Pattern.MULTILINE);

    private ErpcGoldenFrames() {
    }

    /** Every vector by id, in file order. */
    public static Map<String, Vector> all() {
        String text;
        try (InputStream in = ErpcGoldenFrames.class.getResourceAsStream("/wire-vectors/erpc-v6-raw.md")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Vector> vectors = new LinkedHashMap<>();
        Matcher section = SECTION.matcher(text);
        while (section.find()) {
            String id = section.group(1);
            String body = section.group(2);
            Matcher hex = find(HEX, body, id);
            Matcher dir = find(DIRECTION, body, id);
            Matcher size = find(SIZE, body, id);
            Matcher status = find(STATUS, body, id);
            Matcher meta = find(META, body, id);
            Matcher content = find(BODY, body, id);
            String sm = dir.group(3).equals("(empty)") ? "" : dir.group(3).replace("`", "");
            String filters = size.group(2).equals("none") ? "" : size.group(2).replace("`", "");
            byte codec = size.group(3) != null ? (byte) Integer.parseInt(size.group(3), 16) : 0;
            int bodyLength;
            String bodyText;
            if (content.group(1) != null) {
                bodyLength = Integer.parseInt(content.group(1));
                bodyText = content.group(2);
            } else if (content.group(3) != null) {
                bodyLength = Integer.parseInt(content.group(3));
                bodyText = null;
            } else {
                bodyLength = 0;
                bodyText = "";
            }
            byte[] frame = HexFormat.of().parseHex(hex.group(1).replaceAll("\\s", ""));
            if (frame.length != Integer.parseInt(size.group(1))) {
                throw new IllegalStateException(id + ": hex of " + frame.length + " bytes, documented " + size.group(1));
            }
            vectors.put(id, new Vector(id, frame, Integer.parseInt(dir.group(1)), dir.group(2), sm, filters, codec,
                    status.group(1), meta.group(1) == null ? "" : meta.group(1), bodyLength, bodyText));
        }
        return vectors;
    }

    /** One vector. */
    public static Vector get(String id) {
        Vector v = all().get(id);
        if (v == null) {
            throw new IllegalArgumentException("no erpc golden frame " + id);
        }
        return v;
    }

    private static Matcher find(Pattern pattern, String section, String id) {
        Matcher m = pattern.matcher(section);
        if (!m.find()) {
            throw new IllegalStateException(id + ": no match for " + pattern.pattern());
        }
        return m;
    }
}
