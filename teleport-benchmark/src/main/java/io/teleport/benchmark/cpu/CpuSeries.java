package io.teleport.benchmark.cpu;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A process's CPU time over wall-clock time, as {@link CpuAgent} prints it: what the process spent
 * between two instants, read between the samples around each (linearly, so a window that starts or
 * ends between two samples 100 ms apart is charged in proportion).
 */
public final class CpuSeries {

    private final long[] millis;
    private final long[] cpuNanos;

    private CpuSeries(long[] millis, long[] cpuNanos) {
        this.millis = millis;
        this.cpuNanos = cpuNanos;
    }

    /** The series of the last {@code CPU_SERIES} line among {@code lines}, if there is one. */
    public static Optional<CpuSeries> find(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.startsWith("CPU_SERIES ")) {
                return Optional.of(parse(line));
            }
        }
        return Optional.empty();
    }

    /** Parses {@code CPU_SERIES t:cpu,t:cpu,...}. */
    static CpuSeries parse(String line) {
        String[] points = line.substring("CPU_SERIES ".length()).trim().split(",");
        long[] millis = new long[points.length];
        long[] cpu = new long[points.length];
        for (int i = 0; i < points.length; i++) {
            int colon = points[i].indexOf(':');
            millis[i] = Long.parseLong(points[i].substring(0, colon));
            cpu[i] = Long.parseLong(points[i].substring(colon + 1));
        }
        return new CpuSeries(millis, cpu);
    }

    /** When the last sample was taken: the process's exit, for a series printed at exit. */
    public long endMillis() {
        return millis[millis.length - 1];
    }

    /** The CPU time spent between {@code fromMillis} and {@code toMillis}, in nanoseconds. */
    public long cpuNanosBetween(long fromMillis, long toMillis) {
        return cpuAt(toMillis) - cpuAt(fromMillis);
    }

    /** The CPU time used by {@code atMillis}, between the samples around it; the nearest end outside them. */
    long cpuAt(long atMillis) {
        if (atMillis <= millis[0]) {
            return cpuNanos[0];
        }
        if (atMillis >= millis[millis.length - 1]) {
            return cpuNanos[cpuNanos.length - 1];
        }
        int i = Arrays.binarySearch(millis, atMillis);
        if (i >= 0) {
            return cpuNanos[i];
        }
        int after = -i - 1;
        int before = after - 1;
        long span = millis[after] - millis[before];
        if (span == 0) {
            return cpuNanos[after];
        }
        return cpuNanos[before] + (cpuNanos[after] - cpuNanos[before]) * (atMillis - millis[before]) / span;
    }
}
