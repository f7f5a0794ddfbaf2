package io.teleport.benchmark;

import io.teleport.Peer;
import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.session.Session;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The workload's client: C sessions, each its own connection with one pull outstanding; W warm-up
 * pulls each, then (with {@code --full-gc-after-warmup}, against a server started with
 * {@code --full-gc-route}) one pull that makes the server run a full GC, then their share of N
 * pulls one after another. Pulls are chained on completion, so
 * no thread waits per session. Prints the RESULT line and exits 0 only when every call was OK.
 */
final class BenchClient {

    private BenchClient() {
    }

    static int run(Options o) throws InterruptedException {
        int c = o.required("c");
        long n = o.number("n", 0);
        int warmup = o.integer("warmup", 5);
        if (c <= 0 || n < c) {
            throw new IllegalArgumentException("need -c > 0 and -n >= c");
        }
        String address = o.string("host", "127.0.0.1") + ":" + o.required("port");
        BenchmarkMessage request = Workload.request();
        System.err.printf("teleport-client: %s c=%d n=%d warmup=%d protocol=%s request=%d bytes%n", address, c, n,
                warmup, o.protocol().name(), request.getSerializedSize());
        // Completions run on the I/O threads: the client has no handlers, and no thread per session.
        Peer peer = new Peer(PeerConfig.builder().defaultBodyCodec("protobuf").handlerExecution(HandlerExecution.INLINE)
                .pullTimeout(java.time.Duration.ofSeconds(60)).build());
        try {
            Worker[] workers = new Worker[c];
            CountDownLatch warmed = new CountDownLatch(c);
            CountDownLatch done = new CountDownLatch(c);
            // One recorder for every session: a histogram per session would be C live histograms
            // for the garbage collector to copy, and its pauses would show up as our latency.
            Recorder recorder = new Recorder(3);
            for (int i = 0; i < c; i++) {
                workers[i] = new Worker(peer.dial(address, o.protocol()), request, n / c + (i < n % c ? 1 : 0), warmup, warmed, done,
                        recorder);
            }
            for (Worker w : workers) {
                w.next();
            }
            if (!warmed.await(15, TimeUnit.MINUTES)) {
                System.err.println("warm-up timed out");
                return 3;
            }
            if (o.flag("full-gc-after-warmup")) {
                // The server's sessions and per-connection objects become old, as in a long-running server.
                long t = System.nanoTime();
                try {
                    workers[0].session.pull(BenchServer.FULL_GC, null, String.class);
                } catch (RerrorException e) {
                    System.err.println("--full-gc-after-warmup: the server refused " + BenchServer.FULL_GC + " ("
                            + e.rerror().code() + "); start it with --full-gc-route");
                    return 2;
                }
                System.err.printf("teleport-client: the server ran a full GC in %.0f ms%n", (System.nanoTime() - t) / 1e6);
            }
            long start = System.nanoTime();
            for (Worker w : workers) {
                w.measure();
            }
            if (!done.await(60, TimeUnit.MINUTES)) {
                System.err.println("run timed out");
                return 3;
            }
            long end = start;
            long ok = 0;
            long errors = 0;
            Histogram all = recorder.getIntervalHistogram();
            for (Worker w : workers) {
                end = Math.max(end, w.doneAt);
                ok += w.ok;
                errors += w.errors;
            }
            print(all, ok, errors, end - start);
            return errors == 0 ? 0 : 1;
        } finally {
            peer.shutdown(java.time.Duration.ofSeconds(2));
        }
    }

    static void print(Histogram h, long ok, long errors, long elapsedNanos) {
        long calls = h.getTotalCount();
        double tps = calls / (elapsedNanos / 1e9);
        System.out.printf(Locale.ROOT,
                "RESULT tps=%.0f mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f min_ms=%.3f ok=%d"
                        + " calls=%d errors=%d elapsed_ms=%.1f%n",
                tps, h.getMean() / 1e6, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6, h.getMinValue() / 1e6, ok, calls, errors,
                elapsedNanos / 1e6);
        System.out.flush();
    }

    /** One session with one pull outstanding; its completions run on the session's I/O thread. */
    private static final class Worker {
        private final Session session;
        private final BenchmarkMessage request;
        private final CountDownLatch warmed;
        private final CountDownLatch done;
        private final Recorder latencies;
        private int warmupLeft;
        private long remaining;
        private volatile boolean measuring;
        long ok;
        long errors;
        long doneAt;

        Worker(Session session, BenchmarkMessage request, long calls, int warmup, CountDownLatch warmed,
                CountDownLatch done, Recorder latencies) {
            this.latencies = latencies;
            this.session = session;
            this.request = request;
            this.remaining = calls;
            this.warmupLeft = warmup;
            this.warmed = warmed;
            this.done = done;
        }

        void measure() {
            measuring = true;
            next();
        }

        void next() {
            if (!measuring && warmupLeft == 0) {
                warmed.countDown();
                return;
            }
            if (measuring && remaining == 0) {
                doneAt = System.nanoTime();
                done.countDown();
                return;
            }
            long t0 = System.nanoTime();
            session.pullAsync(Workload.URI, request, BenchmarkMessage.class).whenComplete((reply, error) -> {
                if (measuring) {
                    latencies.recordValue(System.nanoTime() - t0);
                    remaining--;
                    if (error == null && "OK".equals(reply.getField1())) {
                        ok++;
                    } else {
                        errors++;
                    }
                } else {
                    warmupLeft--;
                }
                next();
            });
        }
    }
}
