package io.teleport.benchmark.scale;

import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.session.CallOptions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Holds idle sessions and reports what they cost: {@code /scale/stats} answers the session count,
 * the heap used after a full GC and the process RSS; {@code /scale/count} the session count alone;
 * {@code /scale/cpu} the process's CPU time in nanoseconds; {@code /scale/push_all} pushes one small
 * message to every session.
 */
public final class ScaleServer {

    private ScaleServer() {
    }

    /** Runs until killed. */
    public static void run(io.teleport.benchmark.Options options) throws InterruptedException {
        // Holding many idle sessions is the point here, past the heap-sized default bound on connections.
        Limits limits = Limits.builder().maxConnections(options.integer("max-connections", 1_000_000)).build();
        Peer peer = new Peer(PeerConfig.builder()
                .ioThreads(options.integer("io-threads", 0)).limits(limits).build());
        peer.pullRouter().route("/scale/stats", Void.class, (body, ctx) -> stats(peer));
        peer.pullRouter().route("/scale/count", Void.class, (body, ctx) -> peer.sessionCount());
        peer.pullRouter().route("/scale/cpu", Void.class, (body, ctx) -> ProcessCpu.nanos());
        peer.pullRouter().route("/scale/push_all", Void.class, (body, ctx) -> {
            long t0 = System.nanoTime();
            return peer.pushAll("/scale/ping", "p", s -> s != ctx.session(), CallOptions.bodyCodec(StringCodec.ID))
                    .thenApply(written -> {
                        System.err.printf("scale-server: push handed to %d sessions in %.1f ms%n", written,
                                (System.nanoTime() - t0) / 1e6);
                        return written;
                    });
        });
        String address = options.string("host", "127.0.0.1") + ":" + options.required("port");
        peer.listen(address, null);
        System.err.println("scale-server: " + address);
        Thread.currentThread().join();
    }

    static Map<String, Object> stats(Peer peer) throws IOException {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return Map.of("sessions", peer.sessionCount(), "heap_bytes", heap, "rss_bytes", rss());
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
