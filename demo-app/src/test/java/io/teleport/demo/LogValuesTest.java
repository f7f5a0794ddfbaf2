package io.teleport.demo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the demo's handlers log of a remote's values cannot forge a line or run on without end. */
class LogValuesTest {

    @Test
    void lineBreaksAreEscapedAndLongValuesCut() {
        assertThat(LogValues.shown("a\r\n[WARN] forged")).isEqualTo("a\\u000d\\u000a[WARN] forged").doesNotContain("\n");
        String shown = LogValues.shown("x".repeat(1_000_000));
        assertThat(shown).hasSizeLessThan(LogValues.MAX + 40).endsWith("... (1000000 chars)");
        assertThat(LogValues.shown(null)).isEqualTo("null");
        assertThat(LogValues.shown("a\u2028b\u202ec")).isEqualTo("a\\u2028b\\u202ec");
    }
}
