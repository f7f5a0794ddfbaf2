package io.teleport.spring.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Values in errors are written as properties write them, in the largest unit that is exact. */
class PropertyChecksTest {

    @Test
    void durationsAndSizesAreWrittenInTheirLargestExactUnit() {
        assertThat(PropertyChecks.written(Duration.ZERO)).isEqualTo("0s");
        assertThat(PropertyChecks.written(Duration.ofSeconds(-3))).isEqualTo("-3s");
        assertThat(PropertyChecks.written(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(PropertyChecks.written(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(PropertyChecks.written(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(PropertyChecks.written(Duration.ofHours(3))).isEqualTo("3h");
        assertThat(PropertyChecks.written(Duration.ofDays(2))).isEqualTo("2d");
        assertThat(PropertyChecks.written(Duration.ofNanos(2500))).isEqualTo("2500ns");
        assertThat(PropertyChecks.written(Duration.ofNanos(7000))).isEqualTo("7us");
        assertThat(PropertyChecks.written(Duration.ofSeconds(Long.MAX_VALUE / 10))).as("past a long of nanos")
                .isEqualTo(Long.MAX_VALUE / 10 + "s");

        assertThat(PropertyChecks.written(DataSize.ofBytes(0))).isEqualTo("0B");
        assertThat(PropertyChecks.written(DataSize.ofBytes(1500))).isEqualTo("1500B");
        assertThat(PropertyChecks.written(DataSize.ofKilobytes(-1))).isEqualTo("-1KB");
        assertThat(PropertyChecks.written(DataSize.ofMegabytes(64))).isEqualTo("64MB");
        assertThat(PropertyChecks.written(DataSize.ofGigabytes(3))).isEqualTo("3GB");
        assertThat(PropertyChecks.written(DataSize.ofTerabytes(1))).isEqualTo("1TB");
    }

    @Test
    void aRedialIntervalAboveTheMaximumIsTheWaitAskedFor() {
        // Only the interval set, above the maximum's default: each wait is that interval, not a failure.
        TeleportProperties.Redial redial = new TeleportProperties.Redial(-1, Duration.ofSeconds(30), Duration.ofSeconds(10));
        assertThat(redial.maxInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(new TeleportProperties.Redial(-1, Duration.ofMillis(100), Duration.ofSeconds(10)).maxInterval())
                .isEqualTo(Duration.ofSeconds(10));
    }
}
