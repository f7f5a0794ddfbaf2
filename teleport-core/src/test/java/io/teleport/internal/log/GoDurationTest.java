package io.teleport.internal.log;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Costs in the message log read like Go's Duration.String(). */
class GoDurationTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0s", "999, 999ns", "1500, 1.5µs", "1503000, 1.503ms", "652592245, 652.592245ms",
        "2000123000, 2.000123s", "60000000000, 1m0s", "3723500000000, 1h2m3.5s", "-1500000, -1.5ms"
    })
    void formatsAsGo(long nanos, String text) {
        assertThat(GoDuration.format(nanos)).isEqualTo(text);
    }
}
