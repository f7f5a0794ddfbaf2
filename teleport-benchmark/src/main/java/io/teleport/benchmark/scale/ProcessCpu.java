package io.teleport.benchmark.scale;

import java.lang.management.ManagementFactory;

/**
 * The CPU time this process has used, all its threads together, so that the scale test can charge
 * each broadcast the work it cost the server and the holders, not only the time it took.
 */
final class ProcessCpu {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private ProcessCpu() {
    }

    /** User and system CPU time of the process, in nanoseconds. */
    static long nanos() {
        return OS.getProcessCpuTime();
    }
}
