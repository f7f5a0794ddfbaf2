package io.teleport.router;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestUriTest {

    @Test
    void splitsPathAndRawQuery() {
        RequestUri uri = RequestUri.parse("/group/home/test?peer_id=call-1&x=a%20b#frag");
        assertThat(uri.path()).isEqualTo("/group/home/test");
        assertThat(uri.rawQuery()).isEqualTo("peer_id=call-1&x=a%20b");
    }

    @Test
    void decodesThePathAndSkipsSchemeAndHost() {
        assertThat(RequestUri.parse("/a%2Fb/c").path()).isEqualTo("/a/b/c");
        assertThat(RequestUri.parse("tp://host:1/a/b?q").path()).isEqualTo("/a/b");
        assertThat(RequestUri.parse("//x/a").path()).isEqualTo("/a");
        assertThat(RequestUri.parse("/push/test?tag=from home-test").rawQuery()).isEqualTo("tag=from home-test");
    }

    @Test
    void rejectsBadEscapesAndControlCharactersWithGoWording() {
        assertThatThrownBy(() -> RequestUri.parse("/a%zz"))
                .hasMessage("parse \"/a%zz\": invalid URL escape \"%zz\"");
        assertThatThrownBy(() -> RequestUri.parse("/a\nb"))
                .hasMessageContaining("net/url: invalid control character in URL");
    }
}
