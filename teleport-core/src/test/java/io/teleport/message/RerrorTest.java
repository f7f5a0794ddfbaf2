package io.teleport.message;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed's TestRerror values, byte for byte. */
class RerrorTest {

    @Test
    void jsonFormOmitsEmptyFieldsAndIsValidJson() {
        assertThat(new Rerror(0, "", "").toJson()).isEqualTo("{\"code\":0}");
        assertThat(Rerror.of(400, "msg").toJson()).isEqualTo("{\"code\":400,\"message\":\"msg\"}");
        Rerror withDetail = new Rerror(400, "msg", "\"bala...bala...\"");
        assertThat(withDetail.toJson())
                .isEqualTo("{\"code\":400,\"message\":\"msg\",\"detail\":\"\\\"bala...bala...\\\"\"}");
        assertThat(new Rerror(1, "a\\b\nc\u0001", "").toJson()).as("escaped, which Go's gjson decodes the same")
                .isEqualTo("{\"code\":1,\"message\":\"a\\\\b\\nc\\u0001\"}");
    }

    @Test
    void travelsInReplyMeta() {
        Rerror rerror = new Rerror(400, "msg", "\"bala...bala...\"");
        Meta meta = new Meta();
        rerror.writeTo(meta);
        assertThat(meta.toString()).isEqualTo("X-Reply-Error=%7B%22code%22%3A400%2C%22message%22%3A%22msg%22%2C"
                + "%22detail%22%3A%22%5C%22bala...bala...%5C%22%22%7D");
        assertThat(Rerror.fromMeta(Meta.parse(meta.toString()))).isEqualTo(rerror);
    }

    @Test
    void decodesLenientlyAndCountsCodeZeroAsAnError() {
        assertThat(Rerror.fromMeta(new Meta())).isNull();
        assertThat(Rerror.fromMeta(new Meta().set(Rerror.META_KEY, ""))).isNull();
        assertThat(Rerror.parse("{\"message\":\"x\"}")).isEqualTo(Rerror.of(0, "x"));
        assertThat(Rerror.parse("{\"code\":7,\"message\":\"line\nbreak \\q\"}")).isEqualTo(Rerror.of(7, "line\nbreak \\q"));
        assertThat(Rerror.parse("not json")).isEqualTo(Rerror.of(0, "not json"));
        assertThat(Rerror.parse("{\"code\":7,\"message\":\"open")).isEqualTo(Rerror.of(7, "{\"code\":7,\"message\":\"open"));
        assertThat(Rerror.parse(" { \"code\" : \"12\" , \"x\":{\"y\":[1,\"}\"]}, \"detail\":null } "))
                .isEqualTo(new Rerror(12, "", ""));
    }

    @Test
    void readsGoFormWhoseBackslashesAreNotEscaped() {
        // Go Teleport v3 escapes only quotes: a backslash that starts no valid escape is text.
        assertThat(Rerror.parse("{\"code\":1008,\"message\":\"regex \\d+ \\u12 bad\",\"detail\":\"C:\\dir\\x\"}"))
                .isEqualTo(new Rerror(1008, "regex \\d+ \\u12 bad", "C:\\dir\\x"));
        // A valid escape in Go's raw text reads as Go's own gjson reads it.
        assertThat(Rerror.parse("{\"code\":1,\"message\":\"C:\\temp\\new\"}")).isEqualTo(Rerror.of(1, "C:\temp\new"));
        // A text ending in a backslash escapes Go's closing quote: the code Go wrote first still counts.
        String dir = "{\"code\":1008,\"message\":\"C:\\dir\\\"}";
        assertThat(Rerror.parse(dir)).isEqualTo(Rerror.of(1008, dir));
        assertThat(Rerror.parse("{\"code\":1e3,\"code\":7,\"message\":\"a\",\"message\":\"b\"}"))
                .as("the first of a repeated key, numbers as gjson reads them").isEqualTo(Rerror.of(1000, "a"));
    }

    @Test
    void everyTextSurvivesTheJsonForm() {
        long seed = System.nanoTime();
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        String alphabet = "ab\\\"/{}:,\n\r\t\u0000\u001f\u00e9\u4e2d\ud83d\ude00 u0";
        for (int i = 0; i < 2_000; i++) {
            Rerror error = new Rerror(random.nextInt(), text(random, alphabet), text(random, alphabet));
            assertThat(Rerror.parse(error.toJson())).as("seed %d, case %d", seed, i).isEqualTo(error);
        }
    }

    private static String text(java.util.SplittableRandom random, String alphabet) {
        StringBuilder sb = new StringBuilder();
        for (int n = random.nextInt(12); n > 0; n--) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
