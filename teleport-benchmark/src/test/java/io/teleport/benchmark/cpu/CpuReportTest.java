package io.teleport.benchmark.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** CPU per call from the agent's series, charged over the client's measured window only. */
class CpuReportTest {

    @Test
    void aSeriesIsReadBetweenItsSamples() {
        CpuSeries series = CpuSeries.parse("CPU_SERIES 1000:0,1100:50000000,1200:150000000");

        assertThat(series.cpuNanosBetween(1000, 1200)).isEqualTo(150_000_000);
        assertThat(series.cpuNanosBetween(1050, 1150)).as("half of each interval").isEqualTo(25_000_000 + 50_000_000);
        assertThat(series.cpuNanosBetween(0, 5000)).as("clamped to the samples").isEqualTo(150_000_000);
        assertThat(series.endMillis()).isEqualTo(1200);
        assertThat(CpuSeries.find(List.of("noise", "CPU_SERIES 1:2"))).isPresent();
        assertThat(CpuSeries.find(List.of("noise"))).isEmpty();
    }

    @Test
    void eachProcessIsChargedWhatItSpentWhileTheCallsWereMeasured(@TempDir Path dir) throws Exception {
        // The client measured 1,000 calls over its last second (2000..3000), after a warm-up it also spent CPU on.
        Files.writeString(dir.resolve("teleport-erpc-c100-n1000.client.out"),
                "warming up\nRESULT tps=1000 mean_ms=1 ok=1000 errors=0 elapsed_ms=1000.0\n");
        Files.writeString(dir.resolve("teleport-erpc-c100-n1000.client.log"),
                "CPU_SERIES 1000:0,2000:900000000,3000:920000000\n");
        Files.writeString(dir.resolve("teleport-erpc-c100-n1000.server.log"),
                "listen ok\nCPU_SERIES 500:0,2000:300000000,3000:316000000,3500:316000000\n");
        Files.writeString(dir.resolve("broken-c100-n1000.client.out"), "no result\n");

        assertThat(CpuReport.rows(dir)).containsExactly(new CpuReport.Row("teleport-erpc", 100, 16.0, 20.0));
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        assertThat(CpuReport.run(new String[] {dir.toString(), dir.toString()}, new PrintStream(table, true, StandardCharsets.UTF_8)))
                .isZero();
        assertThat(table.toString(StandardCharsets.UTF_8)).contains("| teleport-erpc | 100 | 16.0 | 20.0 | 2 |");
    }
}
