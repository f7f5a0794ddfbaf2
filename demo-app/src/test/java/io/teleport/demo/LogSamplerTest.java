package io.teleport.demo;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class LogSamplerTest {

    @Test
    void theFirstHundredThenOneInAThousand() {
        LogSampler sampler = new LogSampler();
        long[] logged = LongStream.rangeClosed(1, 5_000).map(i -> sampler.next()).filter(n -> n > 0).toArray();
        assertThat(logged).hasSize(100 + 5).startsWith(1, 2, 3).endsWith(100, 1000, 2000, 3000, 4000, 5000);
        assertThat(LogSampler.ofAll(7)).isEmpty();
        assertThat(LogSampler.ofAll(3000)).isEqualTo(" (3000 in all)");
    }
}
