package io.teleport.benchmark.cpu;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code cpu-report DIR...}: the CPU each server and client spent per call, from the rounds a
 * {@code run-bench.sh} run wrote (the harness's {@code SYSTEM-cC-nN.server.log}, {@code .client.out}
 * and {@code .client.log}, with {@link CpuAgent} in every JVM). A process is charged what it spent
 * while the client measured its N calls: the window is the client's {@code elapsed_ms}, ending when
 * the client exited (its last sample, taken just after it printed its result). One markdown table,
 * the median of the rounds per system and level.
 */
public final class CpuReport {

    private static final Pattern TAG = Pattern.compile("(.+)-c(\\d+)-n(\\d+)\\.client\\.out");
    private static final Pattern ELAPSED = Pattern.compile("elapsed_ms=([0-9.]+)");

    private CpuReport() {
    }

    /** One system at one level in one round: microseconds of CPU per measured call. */
    record Row(String system, int concurrency, double serverMicros, double clientMicros) {
    }

    /** Prints the table for the round directories in {@code args}. */
    public static int run(String[] args, PrintStream out) throws IOException {
        List<Row> all = new ArrayList<>();
        for (String dir : args) {
            all.addAll(rows(Path.of(dir)));
        }
        // By level, then system, as the TPS table reads.
        all.sort(java.util.Comparator.comparingInt(Row::concurrency).thenComparing(Row::system));
        Map<String, List<Row>> byKey = new LinkedHashMap<>();
        for (Row row : all) {
            byKey.computeIfAbsent(row.system() + " " + row.concurrency(), k -> new ArrayList<>()).add(row);
        }
        out.println("| system | C | server CPU µs per call | client CPU µs per call | rounds |");
        out.println("|---|---:|---:|---:|---:|");
        byKey.values().forEach(rows -> out.printf("| %s | %d | %.1f | %.1f | %d |%n", rows.get(0).system(),
                rows.get(0).concurrency(), median(rows.stream().mapToDouble(Row::serverMicros).toArray()),
                median(rows.stream().mapToDouble(Row::clientMicros).toArray()), rows.size()));
        return byKey.isEmpty() ? 1 : 0;
    }

    /** The rows of one round directory; a system without a result or without CPU series is left out. */
    static List<Row> rows(Path dir) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<Path> results;
        try (Stream<Path> files = Files.list(dir)) {
            results = files.filter(p -> TAG.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
        for (Path clientOut : results) {
            Matcher tag = TAG.matcher(clientOut.getFileName().toString());
            tag.matches();
            String prefix = clientOut.getFileName().toString().replace(".client.out", "");
            Optional<String> result = Files.readAllLines(clientOut).stream().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b);
            Optional<CpuSeries> client = series(dir.resolve(prefix + ".client.log"));
            Optional<CpuSeries> server = series(dir.resolve(prefix + ".server.log"));
            if (result.isEmpty() || client.isEmpty() || server.isEmpty()) {
                continue;
            }
            Matcher elapsed = ELAPSED.matcher(result.get());
            if (!elapsed.find()) {
                continue;
            }
            long calls = Long.parseLong(tag.group(3));
            long end = client.get().endMillis();
            long start = end - Math.round(Double.parseDouble(elapsed.group(1)));
            rows.add(new Row(tag.group(1), Integer.parseInt(tag.group(2)),
                    server.get().cpuNanosBetween(start, end) / 1000.0 / calls,
                    client.get().cpuNanosBetween(start, end) / 1000.0 / calls));
        }
        return rows;
    }

    private static Optional<CpuSeries> series(Path log) throws IOException {
        return Files.exists(log) ? CpuSeries.find(Files.readAllLines(log)) : Optional.empty();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
