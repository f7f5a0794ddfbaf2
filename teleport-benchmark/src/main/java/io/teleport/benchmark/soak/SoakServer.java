package io.teleport.benchmark.soak;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.teleport.Peer;
import io.teleport.benchmark.BenchServer;
import io.teleport.benchmark.Options;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The soak test's server process: the {@code server} command as it is (same defaults, same
 * options), plus a line of its own resources on stdout once at start, every {@code --stats-every}
 * seconds, and whenever a line {@code STATS id} arrives on stdin.
 *
 * <p>Lines out: {@code READY port}, then {@code STATS id=ID key=value ...} with {@code id=tick}
 * for the periodic ones. The process exits when stdin ends, so that it never outlives the
 * coordinator that started it, however that one ended.
 */
public final class SoakServer {

    private SoakServer() {
    }

    /** Runs until stdin ends or a line {@code QUIT} arrives. */
    public static int run(Options options) throws IOException {
        Peer peer = BenchServer.start(options);
        long every = Math.max(1, options.integer("stats-every", 60));
        say("READY " + options.required("port"));
        say(stats(peer, "start"));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soak-stats");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> say(stats(peer, "tick")), every, every, TimeUnit.SECONDS);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null && !line.equals("QUIT"); line = in.readLine()) {
            if (line.startsWith("STATS ")) {
                say(stats(peer, line.substring(6).trim()));
            }
        }
        ticker.shutdownNow();
        return 0;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /**
     * One line of the process's resources, read without a GC so that it shows what the process
     * holds, garbage included. Each figure is read on its own: under memory pressure one may fail
     * (and reads -1) while the others still tell what happened.
     */
    static String stats(Peer peer, String id) {
        StringBuilder s = new StringBuilder(512).append("STATS id=").append(id);
        try {
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            s.append(" heap_used=").append(heap.getUsed()).append(" heap_committed=").append(heap.getCommitted())
                    .append(" heap_max=").append(heap.getMax());
            long gcCount = 0;
            long gcMillis = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcCount += Math.max(0, gc.getCollectionCount());
                gcMillis += Math.max(0, gc.getCollectionTime());
            }
            s.append(" gc_count=").append(gcCount).append(" gc_ms=").append(gcMillis);
            s.append(" direct_nio=").append(nioDirect());
            s.append(" direct_netty=").append(nettyDirect());
            s.append(" direct_pooled=").append(pooledDirect());
            s.append(" direct_alloc=").append(allocatorDirect());
            s.append(" rss=").append(status("VmRSS:") * 1024);
            s.append(" threads=").append(status("Threads:"));
            s.append(" java_threads=").append(ManagementFactory.getThreadMXBean().getThreadCount());
            s.append(" fds=").append(openFiles());
            s.append(" sessions=").append(peer.sessionCount());
            s.append(" log_bytes=").append(logBytes());
            s.append(" uptime_ms=").append(ManagementFactory.getRuntimeMXBean().getUptime());
        } catch (Throwable t) {
            // A stats line that is cut short still says more than none.
            s.append(" error=").append(t.getClass().getSimpleName());
        }
        return s.toString();
    }

    private static long nioDirect() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** Netty's own count of direct memory it allocated without a cleaner; -1 when it keeps none. */
    private static long nettyDirect() {
        try {
            return PlatformDependent.usedDirectMemory();
        } catch (Throwable t) {
            return -1;
        }
    }

    private static long pooledDirect() {
        try {
            return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        } catch (Throwable t) {
            return -1;
        }
    }

    /** What the allocator channels use by default holds, whichever kind it is. */
    private static long allocatorDirect() {
        try {
            ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
            return alloc instanceof ByteBufAllocatorMetricProvider
                    ? ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory() : -1;
        } catch (Throwable t) {
            return -1;
        }
    }

    /** A {@code kB} or count field of {@code /proc/self/status}; -1 off Linux. */
    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc not mounted.
        }
        return -1;
    }

    private static long openFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The size of what stderr (where the server logs) went to, when that is a file. */
    private static long logBytes() {
        try {
            Path err = Path.of("/proc/self/fd/2");
            return Files.isRegularFile(err) ? Files.size(err) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
