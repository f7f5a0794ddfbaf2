package io.teleport.benchmark.scale;

import io.teleport.Peer;
import io.teleport.benchmark.BenchMain;
import io.teleport.benchmark.Options;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The scale test's coordinator: starts holder processes ({@link ScaleHolder}) that open S idle
 * sessions to a {@link ScaleServer} from several loopback source addresses, reports the server's
 * heap and RSS per session (the growth from half the sessions to all of them, divided by the
 * sessions added), then times R broadcasts (one small push to every session, after unmeasured
 * warm-up rounds) from the pull that asks for it to the last delivery in any holder, and prints
 * their median, lowest and highest, and the CPU time the counted rounds cost the server and the
 * holders per push (per session reached in a round).
 *
 * <p>Holders are separate processes because a process here may open about 20,000 files, and the
 * sources are several addresses because one source address reaches one server port from about
 * 28,000 ephemeral ports.
 */
public final class ScaleClient {

    /** Sessions one holder process takes by default: well inside its open-file limit. */
    private static final int SESSIONS_PER_HOLDER = 12_000;
    /** Sessions one source address carries by default: well inside the ephemeral port range. */
    private static final int SESSIONS_PER_SOURCE = 10_000;

    private ScaleClient() {
    }

    /** Runs the scale test; prints a SCALE line; 0 when every round reached every session. */
    public static int run(Options options) throws Exception {
        int sessions = options.required("sessions");
        int port = options.required("port");
        String host = options.string("host", "127.0.0.1");
        int processes = options.integer("processes", Math.max(1, (sessions + SESSIONS_PER_HOLDER - 1) / SESSIONS_PER_HOLDER));
        String sources = options.string("sources", defaultSources(sessions));
        int rounds = options.integer("rounds", 11);
        int warmupRounds = options.integer("warmup-rounds", 20);
        String holderIoThreads = options.string("holder-io-threads", "1");
        if (sessions < processes || processes < 1 || rounds < 1 || warmupRounds < 0) {
            throw new IllegalArgumentException("need --sessions >= --processes >= 1, --rounds >= 1 and --warmup-rounds >= 0");
        }
        Peer peer = new Peer(PeerConfig.builder().pullTimeout(Duration.ofMinutes(2)).build());
        List<Holder> holders = new ArrayList<>();
        try {
            Session control = peer.dial(host + ":" + port);
            Map<?, ?> before = control.pull("/scale/stats", null, Map.class);
            long t = System.nanoTime();
            for (int i = 0; i < processes; i++) {
                int share = sessions / processes + (i < sessions % processes ? 1 : 0);
                holders.add(Holder.start(host, port, share, sources, holderIoThreads));
            }
            for (Holder h : holders) {
                h.expect("HALF", 5, TimeUnit.MINUTES);
            }
            awaitSessions(control, number(before, "sessions") + halves(sessions, processes));
            Map<?, ?> half = control.pull("/scale/stats", null, Map.class);
            for (Holder h : holders) {
                h.send("CONTINUE");
            }
            for (Holder h : holders) {
                h.expect("READY", 5, TimeUnit.MINUTES);
            }
            awaitSessions(control, number(before, "sessions") + sessions);
            System.err.printf(Locale.ROOT, "scale-client: %d sessions from %d processes over %s in %.1f s%n", sessions,
                    processes, sources.isEmpty() ? "127.0.0.1" : sources, (System.nanoTime() - t) / 1e9);
            Map<?, ?> after = control.pull("/scale/stats", null, Map.class);
            // The first rounds warm the broadcast path up (JIT); they are not counted.
            for (int r = 0; r < warmupRounds; r++) {
                broadcast(control, holders, r);
            }
            long[] cpuAtStart = cpu(control, holders);
            double[] millis = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                millis[r] = broadcast(control, holders, warmupRounds + r);
            }
            long[] cpuAtEnd = cpu(control, holders);
            long n = number(after, "sessions") - number(before, "sessions");
            // Per session from the second half alone: the first pays the one-time costs (compiled
            // code, allocator chunks, thread caches) that the sessions after it do not.
            double added = number(after, "sessions") - number(half, "sessions");
            Arrays.sort(millis);
            System.out.printf(Locale.ROOT, "SCALE sessions=%d processes=%d sources=%d heap_per_session_bytes=%.0f"
                            + " rss_per_session_bytes=%.0f push_all_ms=%.1f push_all_min_ms=%.1f push_all_max_ms=%.1f"
                            + " server_cpu_us_per_push=%.2f holder_cpu_us_per_push=%.2f rounds=%d%n",
                    n, processes, sources.isEmpty() ? 1 : sources.split(",").length,
                    (number(after, "heap_bytes") - number(half, "heap_bytes")) / added,
                    (number(after, "rss_bytes") - number(half, "rss_bytes")) / added,
                    millis[millis.length / 2], millis[0], millis[millis.length - 1],
                    (cpuAtEnd[0] - cpuAtStart[0]) / 1e3 / rounds / n, (cpuAtEnd[1] - cpuAtStart[1]) / 1e3 / rounds / n,
                    rounds);
            return n == sessions ? 0 : 1;
        } finally {
            for (Holder h : holders) {
                h.stop();
            }
            peer.shutdown(Duration.ofSeconds(5));
        }
    }

    /** Round {@code r}: one broadcast, timed from the pull that asks for it to the last delivery in any holder (ms). */
    private static double broadcast(Session control, List<Holder> holders, int r) throws InterruptedException {
        for (Holder h : holders) {
            h.send("ARM " + r);
        }
        for (Holder h : holders) {
            h.expect("ARMED " + r, 1, TimeUnit.MINUTES);
        }
        long t0 = System.nanoTime();
        control.pullAsync("/scale/push_all", null, Integer.class);
        long last = t0;
        for (Holder h : holders) {
            String[] line = h.expect("DELIVERED " + r + " ", 1, TimeUnit.MINUTES).split(" ");
            last = Math.max(last, Long.parseLong(line[2]));
        }
        return (last - t0) / 1e6;
    }

    /**
     * The CPU time used so far by the server (first) and by the holders together (second), in
     * nanoseconds; read between rounds, so that the difference over the counted rounds is what
     * they cost, the few control messages aside.
     */
    private static long[] cpu(Session control, List<Holder> holders) throws InterruptedException {
        long server = control.pull("/scale/cpu", null, Long.class);
        long held = 0;
        for (Holder h : holders) {
            h.send("CPU");
        }
        for (Holder h : holders) {
            held += Long.parseLong(h.expect("CPU ", 1, TimeUnit.MINUTES).substring(4).trim());
        }
        return new long[] {server, held};
    }

    /** The OS's choice, or as many loopback addresses from 127.0.0.1 on as the sessions need. */
    private static String defaultSources(int sessions) {
        if (sessions <= SESSIONS_PER_SOURCE) {
            return "";
        }
        int count = (sessions + SESSIONS_PER_SOURCE - 1) / SESSIONS_PER_SOURCE;
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            s.append(s.length() == 0 ? "" : ",").append("127.0.0.").append(i);
        }
        return s.toString();
    }

    /** The sessions the holders open before they say HALF: half of each one's share. */
    private static long halves(int sessions, int processes) {
        long total = 0;
        for (int i = 0; i < processes; i++) {
            total += (sessions / processes + (i < sessions % processes ? 1 : 0)) / 2;
        }
        return total;
    }

    /**
     * Waits until the server holds {@code expected} sessions: a dial is done when the connection
     * is, which can be before the server has taken it from its accept queue.
     */
    private static void awaitSessions(Session control, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        long count;
        while ((count = control.pull("/scale/count", null, Integer.class)) < expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the server holds " + count + " sessions, not " + expected);
            }
            Thread.sleep(50);
        }
    }

    private static long number(Map<?, ?> stats, String key) {
        return ((Number) stats.get(key)).longValue();
    }

    /** A holder process and the lines it prints. */
    private static final class Holder {

        private final Process process;
        private final PrintWriter stdin;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Holder(Process process) {
            this.process = process;
            this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        lines.add(line);
                    }
                } catch (java.io.IOException gone) {
                    // The process ended; expect() reports it.
                }
            }, "scale-holder-out");
            reader.setDaemon(true);
            reader.start();
        }

        static Holder start(String host, int port, int sessions, String sources, String ioThreads)
                throws java.io.IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = List.of(java, "-Xms256m", "-Xmx1g", "-XX:+UseParallelGC",
                    "-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), "scale-holder",
                    "--host", host, "--port", String.valueOf(port), "--sessions", String.valueOf(sessions),
                    "--sources", sources, "--io-threads", ioThreads);
            return new Holder(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }

        void send(String line) {
            stdin.println(line);
        }

        /** The next line starting with {@code prefix}; fails when the holder exits or is silent too long. */
        String expect(String prefix, long timeout, TimeUnit unit) throws InterruptedException {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    throw new IllegalStateException("scale holder exited with " + process.exitValue()
                            + " while waiting for " + prefix.trim());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("scale holder: no " + prefix.trim() + " in time");
                }
            }
        }

        void stop() throws InterruptedException {
            send("QUIT");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
