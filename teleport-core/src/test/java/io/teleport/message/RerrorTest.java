package io.teleport.message;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed's TestRerror values, byte for byte. */
class RerrorTest {

    @Test
    void jsonFormOmitsEmptyFieldsAndEscapesOnlyQuotes() {
        assertThat(new Rerror(0, "", "").toJson()).isEqualTo("{\"code\":0}");
        assertThat(Rerror.of(400, "msg").toJson()).isEqualTo("{\"code\":400,\"message\":\"msg\"}");
        Rerror withDetail = new Rerror(400, "msg", "\"bala...bala...\"");
        assertThat(withDetail.toJson())
                .isEqualTo("{\"code\":400,\"message\":\"msg\",\"detail\":\"\\\"bala...bala...\\\"\"}");
        assertThat(new Rerror(1, "a\\b\nc", "").toJson()).as("backslash and newline raw, as Go writes them")
                .isEqualTo("{\"code\":1,\"message\":\"a\\b\nc\"}");
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
        assertThat(Rerror.parse("{\"code\":7,\"message\":\"line\nbreak \\q\"}")).isEqualTo(Rerror.of(7, "line\nbreak q"));
        assertThat(Rerror.parse("not json")).isEqualTo(Rerror.of(0, "not json"));
    }
}
