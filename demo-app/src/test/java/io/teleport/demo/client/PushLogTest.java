package io.teleport.demo.client;

import io.teleport.demo.LogValues;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A server that pushes without end, or pushes large bodies, cannot grow the demo client's push log (hostile round 9). */
class PushLogTest {

    @Test
    void onlyTheLatestPushesAreKeptEachCutAndAllAreCounted() {
        PushLog log = new PushLog();
        String big = "x".repeat(20_000);
        for (int i = 0; i < 1_000; i++) {
            assertThat(log.add("/push/test " + i + "\n" + big)).isEqualTo(i + 1);
        }
        assertThat(log.count()).isEqualTo(1_000);
        assertThat(log.received()).hasSize(PushLog.KEPT).first().asString().startsWith("/push/test 900\\u000a");
        assertThat(log.received()).allSatisfy(p -> assertThat(p).hasSizeLessThan(LogValues.MAX + 40));
    }
}
