package io.teleport.benchmark.soak;

import io.teleport.benchmark.Options;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The soak test: the benchmark server in a child JVM with its defaults, well-behaved clients and
 * hostile peers against it from this process for a set time, and one table row per interval of
 * the server's resources (as the server itself reads them) beside what the well-behaved clients
 * got. Exits 0 only when the well-behaved clients had successful calls in every interval and the
 * server was still running at the end.
 *
 * <p>Everything goes to a loopback address; every client, attack and connection stops by itself
 * at the end of the run, and the child process ends with this one (its stdin closes).
 */
public final class Soak {

    private static final double MIB = 1024.0 * 1024.0;

    private final Map<String, Long> peaks = new ConcurrentHashMap<>();

    private Soak() {
    }

    /** Runs the soak test; prints the table, the summary and a {@code SOAK} line. */
    public static int run(Options o) throws Exception {
        return new Soak().soak(o);
    }

    private int soak(Options o) throws Exception {
        double seconds = o.has("seconds") ? o.decimal("seconds", 0) : o.decimal("minutes", 0) * 60;
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("need --minutes M or --seconds S (fractions allowed), above 0");
        }
        double intervalSeconds = Math.min(seconds, Math.max(1, o.decimal("interval", 60)));
        InetAddress host = InetAddress.getByName(o.string("host", "127.0.0.1"));
        if (!host.isLoopbackAddress()) {
            throw new IllegalArgumentException("the soak test talks to loopback addresses only, not " + host);
        }
        int port = o.has("port") ? o.integer("port", 0) : freePort(host);
        String heap = o.string("server-heap", "512m");
        List<String> extraJvm = o.string("server-jvm", "").isBlank() ? List.of()
                : Arrays.asList(o.string("server-jvm", "").trim().split("\\s+"));
        Path log = Path.of(o.string("server-log",
                Path.of(System.getProperty("java.io.tmpdir"), "teleport-soak-server-" + port + ".log").toString()));
        int pullers = o.integer("pullers", 4);
        int pushers = o.integer("pushers", 2);
        double rate = o.decimal("rate", 1000);
        double pushRate = o.decimal("push-rate", 20);
        Duration timeout = Duration.ofMillis((long) (o.decimal("timeout", 10) * 1000));
        int hostilePeers = o.integer("hostile", 4);
        int attackSeconds = o.integer("attack-seconds", 20);
        List<String> attacks = o.string("attacks", "all").equals("all") ? Hostile.ATTACKS
                : Arrays.asList(o.string("attacks", "").split(","));
        if (pullers < 1 || pushers < 0 || hostilePeers < 0) {
            throw new IllegalArgumentException("need --pullers >= 1, --pushers >= 0, --hostile >= 0");
        }
        String hostText = host instanceof Inet6Address ? "[" + host.getHostAddress() + "]" : host.getHostAddress();
        String address = hostText + ":" + port;

        ServerProcess server = ServerProcess.start(host.getHostAddress(), port, heap, extraJvm, log, this::peaks,
                o.flag("verbose"));
        Thread killer = new Thread(server::kill, "soak-server-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        System.out.printf(Locale.ROOT, "soak: server pid %d on %s, -Xmx%s%s, log %s%n", server.pid(), address, heap,
                extraJvm.isEmpty() ? "" : " " + String.join(" ", extraJvm), log);
        if (!server.awaitReady(60, TimeUnit.SECONDS)) {
            System.out.println("soak: the server did not start (exit " + server.exitCode() + "); see " + log);
            server.stop();
            return 2;
        }
        Map<String, Long> first = server.stats("0", 10, TimeUnit.SECONDS);
        System.out.printf(Locale.ROOT, "soak: server at start: %s%n", first == null ? "no stats" : describe(first));
        System.out.printf(Locale.ROOT, "soak: %.0f s in rows of %.0f s; well-behaved: %d pullers (%s pulls/s),"
                        + " %d push receivers (%s rounds/s of 10 pushes), timeout %d ms; hostile: %d peers cycling %s,"
                        + " %d s per attack%n",
                seconds, intervalSeconds, pullers, rate > 0 ? String.format(Locale.ROOT, "%.0f", rate) : "unpaced",
                pushers, pushRate > 0 ? String.format(Locale.ROOT, "%.0f", pushRate) : "unpaced", timeout.toMillis(),
                hostilePeers, hostilePeers == 0 ? "nothing" : String.join(",", attacks), attackSeconds);

        WellBehaved clients = new WellBehaved(address, pullers, pushers, rate, pushRate, timeout);
        Hostile hostile = new Hostile(new InetSocketAddress(host, port), hostilePeers == 0 ? List.of() : attacks,
                hostilePeers, attackSeconds);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int served = 0;
        List<String> unserved = new ArrayList<>();
        Histogram allPulls = new Histogram(3);
        Histogram allRounds = new Histogram(3);
        long pullsOk = 0;
        long roundsOk = 0;
        long errors = 0;
        double lowestTps = Double.MAX_VALUE;
        String death = null;
        double ran = 0;
        try {
            clients.start(end);
            hostile.start(end);
            System.out.println(header());
            long rowStart = start;
            long lastOpened = 0;
            long lastClosed = 0;
            long lastGc = first == null ? 0 : first.getOrDefault("gc_ms", 0L);
            for (int row = 1; rowStart - end < 0; row++) {
                long rowEnd = Math.min(end, start + (long) (row * intervalSeconds * 1e9));
                while (System.nanoTime() - rowEnd < 0 && server.alive()) {
                    TimeUnit.MILLISECONDS.sleep(Math.min(250, Math.max(1,
                            TimeUnit.NANOSECONDS.toMillis(rowEnd - System.nanoTime()))));
                }
                long now = System.nanoTime();
                WellBehaved.Interval i = clients.interval();
                long opened = hostile.opened();
                long closed = hostile.closedByServer();
                Map<String, Long> s = server.alive() ? server.stats(String.valueOf(row), 5, TimeUnit.SECONDS) : null;
                double elapsed = (now - rowStart) / 1e9;
                long gc = s == null ? lastGc : s.getOrDefault("gc_ms", lastGc);
                System.out.println(row(now - start, s, server.alive(), (gc - lastGc) / (elapsed * 10), i, elapsed,
                        opened - lastOpened, closed - lastClosed));
                lastGc = gc;
                allPulls.add(i.pullLatency());
                allRounds.add(i.pushLatency());
                pullsOk += i.pullsOk();
                roundsOk += i.roundsOk();
                errors += i.errors();
                lowestTps = Math.min(lowestTps, i.pullsOk() / elapsed);
                if (i.pullsOk() > 0 && (clients.pushers() == 0 || i.roundsOk() > 0)) {
                    served++;
                } else {
                    unserved.add(clock(now - start));
                }
                lastOpened = opened;
                lastClosed = closed;
                rowStart = now;
                if (!server.alive()) {
                    death = String.format(Locale.ROOT, "the server exited with code %d by %s", server.exitCode(),
                            clock(now - start));
                    System.out.println("soak: " + death + "; ending the run (see " + log + ")");
                    break;
                }
            }
            ran = (System.nanoTime() - start) / 1e9;
        } finally {
            hostile.stop();
            clients.stop();
            server.stop();
            Runtime.getRuntime().removeShutdownHook(killer);
        }
        boolean servedAll = unserved.isEmpty() && death == null;
        summary(ran, served, unserved, death, allPulls, allRounds, pullsOk, roundsOk, errors,
                lowestTps == Double.MAX_VALUE ? 0 : lowestTps, hostile, log, servedAll);
        return servedAll ? 0 : 1;
    }

    private void peaks(Map<String, Long> stats) {
        stats.forEach((k, v) -> peaks.merge(k, v, Math::max));
    }

    private static int freePort(InetAddress host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, host)) {
            return s.getLocalPort();
        }
    }

    private static String header() {
        return String.format(Locale.ROOT, "%6s | %9s %9s | %-14s | %6s | %5s | %5s | %5s | %9s | %5s || %8s %9s %7s %6s || %7s %7s",
                "time", "heap MiB", "commit", "direct MiB", "RSS", "thr", "fds", "sess", "log KiB", "gc %",
                "pull/s", "p99 ms", "push/s", "errors", "hostile", "by-srv");
    }

    private static String row(long elapsedNanos, Map<String, Long> s, boolean alive, double gcPercent,
            WellBehaved.Interval i, double seconds, long opened, long closedByServer) {
        String server;
        if (s == null) {
            String why = alive ? "(no stats in 5 s)" : "(server gone)";
            server = String.format(Locale.ROOT, "%-19s | %-14s | %6s | %5s | %5s | %5s | %9s | %5s", why, "", "", "", "",
                    "", "", "");
        } else {
            server = String.format(Locale.ROOT, "%9s %9s | %-14s | %6s | %5s | %5s | %5s | %9s | %5.1f",
                    mib(s.get("heap_used")), mib(s.get("heap_committed")),
                    mib(s.get("direct_nio")) + "/" + mib(s.get("direct_netty")) + "/" + mib(s.get("direct_alloc")),
                    mib(s.get("rss")), num(s.get("threads")), num(s.get("fds")), num(s.get("sessions")),
                    s.get("log_bytes") == null || s.get("log_bytes") < 0 ? "-"
                            : String.format(Locale.ROOT, "%.1f", s.get("log_bytes") / 1024.0),
                    gcPercent);
        }
        return String.format(Locale.ROOT, "%6s | %s || %8.0f %9s %7.0f %6d || %7d %7d", clock(elapsedNanos), server,
                i.pullsOk() / seconds, i.pullLatency().getTotalCount() == 0 ? "-"
                        : String.format(Locale.ROOT, "%.2f", i.pullLatency().getValueAtPercentile(99) / 1e6),
                i.pushes() / seconds, i.errors(), opened, closedByServer);
    }

    private void summary(double ran, int served, List<String> unserved, String death, Histogram pulls, Histogram rounds,
            long pullsOk, long roundsOk, long errors, double lowestTps, Hostile hostile, Path log, boolean servedAll) {
        System.out.println();
        System.out.printf(Locale.ROOT, "summary: %.1f s, %d interval(s) with successful calls, %s%n", ran, served,
                death != null ? death : "the server ran to the end");
        System.out.printf(Locale.ROOT, "  server peaks: heap used %s MiB (committed %s of %s), direct nio %s MiB,"
                        + " netty %s, allocator %s, pooled %s; RSS %s MiB; %s threads; %s fds; %s sessions;"
                        + " GC %s ms in all; log %s%n",
                mib(peaks.get("heap_used")), mib(peaks.get("heap_committed")), mib(peaks.get("heap_max")),
                mib(peaks.get("direct_nio")), mib(peaks.get("direct_netty")), mib(peaks.get("direct_alloc")),
                mib(peaks.get("direct_pooled")), mib(peaks.get("rss")), num(peaks.get("threads")),
                num(peaks.get("fds")), num(peaks.get("sessions")), num(peaks.get("gc_ms")), logSize(log));
        System.out.printf(Locale.ROOT, "  well-behaved: %d pulls OK, p50 %s ms, p99 %s ms, max %s ms, lowest interval"
                        + " %.0f pulls/s; %d push rounds OK, p99 %s ms; %d errors%n",
                pullsOk, ms(pulls, 50), ms(pulls, 99), ms(pulls, 100), lowestTps, roundsOk, ms(rounds, 99), errors);
        System.out.printf(Locale.ROOT, "  hostile: %d connections, %d ended by the server, the rest by the attackers%n",
                hostile.opened(), hostile.closedByServer());
        if (!hostile.tallies().isEmpty()) {
            System.out.printf(Locale.ROOT, "    %-13s %5s %7s %7s %7s %8s %8s %8s %9s %9s %6s%n", "attack", "runs",
                    "opened", "by-srv", "ours", "no-conn", "replies", "silent", "sent MiB", "read MiB", "failed");
        }
        hostile.tallies().forEach((name, t) -> System.out.printf(Locale.ROOT,
                "    %-13s %5d %7d %7d %7d %8d %8d %8d %9.1f %9.1f %6d%n", name, t.runs.sum(), t.opened.sum(),
                t.closedByServer.sum(), t.abandoned.sum(), t.connectFailures.sum(), t.replies.sum(), t.noReply.sum(),
                t.bytesSent.sum() / MIB, t.bytesDrained.sum() / MIB, t.failures.sum()));
        System.out.println(servedAll ? "  verdict: PASS, the well-behaved clients were served in every interval"
                : "  verdict: FAIL, " + (death != null ? death : "")
                        + (death != null && !unserved.isEmpty() ? "; " : "")
                        + (unserved.isEmpty() ? "" : "no successful well-behaved calls in the interval(s) ending "
                        + String.join(", ", unserved)));
        System.out.printf(Locale.ROOT, "SOAK seconds=%.0f served_all=%s intervals_served=%d server_alive=%s pulls_ok=%d"
                        + " push_rounds_ok=%d errors=%d p99_ms=%s heap_used_max=%d direct_max=%d rss_max=%d"
                        + " threads_max=%d fds_max=%d log_bytes=%d hostile_opened=%d hostile_closed_by_server=%d%n",
                ran, servedAll, served, death == null, pullsOk, roundsOk, errors, ms(pulls, 99),
                peaks.getOrDefault("heap_used", -1L),
                Math.max(peaks.getOrDefault("direct_nio", -1L), Math.max(peaks.getOrDefault("direct_netty", -1L),
                        peaks.getOrDefault("direct_alloc", -1L))),
                peaks.getOrDefault("rss", -1L), peaks.getOrDefault("threads", -1L), peaks.getOrDefault("fds", -1L),
                fileSize(log), hostile.opened(), hostile.closedByServer());
        System.out.flush();
    }

    /** Describes the first stats line in words. */
    private static String describe(Map<String, Long> s) {
        return String.format(Locale.ROOT, "heap %s MiB used of %s committed (max %s), direct nio/netty/allocator"
                        + " %s/%s/%s MiB, RSS %s MiB, %s threads, %s fds",
                mib(s.get("heap_used")), mib(s.get("heap_committed")), mib(s.get("heap_max")), mib(s.get("direct_nio")),
                mib(s.get("direct_netty")), mib(s.get("direct_alloc")), mib(s.get("rss")), num(s.get("threads")),
                num(s.get("fds")));
    }

    private static String mib(Long bytes) {
        return bytes == null || bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0f", bytes / MIB);
    }

    private static String num(Long n) {
        return n == null || n < 0 ? "-" : n.toString();
    }

    private static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        long v = percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile);
        return String.format(Locale.ROOT, "%.2f", v / 1e6);
    }

    private static String clock(long nanos) {
        long s = Math.round(nanos / 1e9);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static long fileSize(Path log) {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return -1;
        }
    }

    private static String logSize(Path log) {
        long size = fileSize(log);
        return size < 0 ? "-" : String.format(Locale.ROOT, "%.1f KiB (%s)", size / 1024.0, log);
    }
}
