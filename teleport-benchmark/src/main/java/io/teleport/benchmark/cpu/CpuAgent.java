package io.teleport.benchmark.cpu;

import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * A Java agent ({@code -javaagent:cpu-agent.jar}) that samples its process's CPU time every
 * {@value #EVERY_MILLIS} ms and prints the series as one {@code CPU_SERIES} line on stderr when the
 * JVM exits (a server stopped with TERM included), so that any benchmark process, ours or a
 * baseline's, can be charged the CPU it spent while the calls were measured ({@link CpuSeries}).
 * It loads nothing but the JDK: the jar holds this class alone, beside whatever the process runs.
 */
public final class CpuAgent {

    static final long EVERY_MILLIS = 100;
    /** Two hours of samples. */
    private static final int CAPACITY = 72_000;

    private CpuAgent() {
    }

    /** Starts sampling. */
    public static void premain(String args, Instrumentation instrumentation) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] times = new long[CAPACITY];
        long[] cpu = new long[CAPACITY];
        int[] count = new int[1];
        Thread sampler = new Thread(() -> {
            while (true) {
                record(times, cpu, count, os.getProcessCpuTime());
                try {
                    TimeUnit.MILLISECONDS.sleep(EVERY_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "cpu-agent");
        sampler.setDaemon(true);
        sampler.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            record(times, cpu, count, os.getProcessCpuTime());
            StringBuilder line = new StringBuilder("CPU_SERIES");
            synchronized (count) {
                for (int i = 0; i < count[0]; i++) {
                    line.append(i == 0 ? ' ' : ',').append(times[i]).append(':').append(cpu[i]);
                }
            }
            System.err.println(line);
            System.err.flush();
        }, "cpu-agent-report"));
    }

    private static void record(long[] times, long[] cpu, int[] count, long cpuNanos) {
        synchronized (count) {
            if (count[0] < CAPACITY) {
                times[count[0]] = System.currentTimeMillis();
                cpu[count[0]] = cpuNanos;
                count[0]++;
            }
        }
    }
}
