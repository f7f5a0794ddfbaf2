package io.teleport.benchmark.soak;

import io.teleport.benchmark.BenchServer;
import io.teleport.benchmark.Workload;
import io.teleport.codec.ProtobufCodec;
import io.teleport.message.PacketType;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The hostile peers: each one a thread that runs the attacks one after another, each attack for
 * at most {@code attackSeconds}, over and over until the run ends. Peers start at different
 * attacks, so that several kinds are under way at once. Every attack is bounded in connections,
 * bytes and rate (the constants below), and every connection is ended (by the server, by the
 * attack, or at worst by a watchdog) within a bounded time, then replaced by the next attack's.
 */
final class Hostile {

    /** Every attack, in the order a peer runs them. */
    static final List<String> ATTACKS = List.of("slow-unread", "flood-unread", "big-meta", "gzip-bomb", "stall",
            "bad-uri", "churn", "garbage");

    // slow-unread: pulls to the slow route (each 50 ms of a handler thread and a 4 KiB reply),
    // 200 at a time every 250 ms, 4,000 at most a connection (16 MiB of replies), none read.
    private static final String SLOW_URI = BenchServer.SLOW + "?ms=50&size=4096";
    private static final int SLOW_PULLS = 4_000;
    private static final int SLOW_BATCH = 200;
    // flood-unread: pulls that each make the server push 1,000 x 16 KiB back, one every 2 s,
    // 8 at most a connection (128 MiB), none of it read.
    private static final String FLOOD_URI = BenchServer.FLOOD + "?n=1000&size=16384";
    private static final int FLOOD_PULLS = 8;
    // big-meta: one pull per connection whose meta is "a&a&..." of 3 MiB (1.5 million entries).
    private static final int META_BYTES = 3 * 1024 * 1024;
    private static final int META_FRAMES = 6;
    // gzip-bomb: pulls of about 48 KiB through the gzip filter that inflate to 48 MiB each,
    // one a second, 10 at most.
    private static final int GZIP_INFLATED = 48 * 1024 * 1024;
    private static final int GZIP_FRAMES = 10;
    // stall: 16 connections, each declaring a 60 MiB frame (under the 64 MiB default limit),
    // sending 1 MiB of it and then nothing, or a byte a second.
    private static final int STALL_CONNS = 16;
    private static final int STALL_DECLARED = 60 * 1024 * 1024;
    private static final int STALL_SENT = 1024 * 1024;
    // bad-uri: URIs with CR/LF (forged log lines) and 1 MiB URIs, four a second, 40 at most.
    private static final int BAD_URI_FRAMES = 40;
    private static final int LONG_URI_BYTES = 1024 * 1024;
    // churn: 400 connections at most, 40 a second, each closed at once, after half a header, after
    // an unread pull, or with a reset.
    private static final int CHURN_CONNS = 400;
    // garbage: 40 connections at most, four a second, 64 KiB of random bytes each.
    private static final int GARBAGE_CONNS = 40;
    private static final int GARBAGE_BYTES = 64 * 1024;
    // The pull that tells an unread connection is still open: it costs the server nothing.
    private static final String TRICKLE_URI = BenchServer.SLOW + "?ms=0";
    // Connections a run of one attack may open to replace those the server ended (per slot).
    private static final int MAX_CONNS_PER_RUN = 10;
    // How long the end-of-attack look at an unread connection may read what the server queued.
    private static final int PROBE_MS = 1_500;

    private final InetSocketAddress server;
    private final List<String> attacks;
    private final int peers;
    private final long attackNanos;
    private final Map<String, Tally> tallies = new LinkedHashMap<>();
    private final Set<HostileConn> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdogs;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;
    private volatile long endNanos;

    Hostile(InetSocketAddress server, List<String> attacks, int peers, int attackSeconds) {
        for (String a : attacks) {
            if (!ATTACKS.contains(a)) {
                throw new IllegalArgumentException("unknown attack: " + a + " (known: " + String.join(",", ATTACKS) + ")");
            }
            tallies.put(a, new Tally());
        }
        this.server = server;
        this.attacks = List.copyOf(attacks);
        this.peers = peers;
        this.attackNanos = TimeUnit.SECONDS.toNanos(Math.max(1, attackSeconds));
        // The canned frames are built now, so that a failure to build them shows at the start.
        if (peers > 0 && !attacks.isEmpty() && Canned.BIG_META.length == 0) {
            throw new IllegalStateException("no frames");
        }
        this.watchdogs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "soak-hostile-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the peers; they stop by themselves at {@code endNanos}. */
    void start(long endNanos) {
        this.endNanos = endNanos;
        if (attacks.isEmpty()) {
            return;
        }
        for (int i = 0; i < peers; i++) {
            int first = i * attacks.size() / peers;
            // A fixed seed per peer: the same garbage every run, so that runs compare.
            long seed = 0x50A4L * 31 + i;
            Thread t = new Thread(() -> runPeer(first, new Random(seed)), "soak-hostile-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops the peers, waits for them a bounded time, and ends every connection still open. */
    void stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        for (HostileConn c : open) {
            c.close();
        }
        watchdogs.shutdownNow();
    }

    Map<String, Tally> tallies() {
        return tallies;
    }

    /** Connections opened so far, every attack together. */
    long opened() {
        return tallies.values().stream().mapToLong(t -> t.opened.sum()).sum();
    }

    /** Connections the server ended so far, every attack together. */
    long closedByServer() {
        return tallies.values().stream().mapToLong(t -> t.closedByServer.sum()).sum();
    }

    ScheduledExecutorService watchdogs() {
        return watchdogs;
    }

    void opened(HostileConn conn) {
        open.add(conn);
    }

    void closed(HostileConn conn) {
        open.remove(conn);
    }

    private void runPeer(int first, Random random) {
        for (int i = first; running(endNanos); i++) {
            String attack = attacks.get(i % attacks.size());
            long until = Math.min(System.nanoTime() + attackNanos, endNanos);
            Tally tally = tallies.get(attack);
            tally.runs.increment();
            try {
                new Attack(tally, until, random).run(attack);
            } catch (RuntimeException | OutOfMemoryError e) {
                // An attack that breaks on this side must not end the peer: count it, go on.
                tally.failures.increment();
                pause(200, endNanos);
            }
        }
    }

    private boolean running(long until) {
        return !stopped && System.nanoTime() - until < 0;
    }

    /** Sleeps up to {@code millis}, less if {@code until} comes first; false when it is time to stop. */
    private boolean pause(long millis, long until) {
        long now = System.nanoTime();
        long wake = now + Math.min(Math.max(0, until - now), TimeUnit.MILLISECONDS.toNanos(millis));
        while (running(until)) {
            long left = wake - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** What one attack did, summed over all its runs. */
    static final class Tally {
        final LongAdder runs = new LongAdder();
        final LongAdder opened = new LongAdder();
        final LongAdder closedByServer = new LongAdder();
        final LongAdder abandoned = new LongAdder();
        final LongAdder connectFailures = new LongAdder();
        final LongAdder replies = new LongAdder();
        final LongAdder noReply = new LongAdder();
        final LongAdder bytesSent = new LongAdder();
        final LongAdder bytesDrained = new LongAdder();
        final LongAdder failures = new LongAdder();
    }

    /** The frames that are the same every time; built on first use, a few MiB in all. */
    private static final class Canned {
        static final byte[] BIG_META = Frames.raw(1, PacketType.PULL, Workload.URI.getBytes(StandardCharsets.US_ASCII),
                Frames.ampersandMeta(META_BYTES), ProtobufCodec.ID, Workload.request().toByteArray());
        static final byte[] GZIP_BOMB = Frames.gzipBomb(1, BenchServer.SLOW + "?ms=0&size=16", GZIP_INFLATED);
        static final byte[] LONG_PATH = Frames.raw(1, PacketType.PULL, longUri("/", LONG_URI_BYTES), new byte[0],
                (byte) 0, new byte[0]);
        static final byte[] LONG_QUERY = Frames.raw(1, PacketType.PULL,
                longUri(BenchServer.SLOW + "?ms=0&pad=", LONG_URI_BYTES), new byte[0], (byte) 0, new byte[0]);
        static final byte[] CRLF_PATH = Frames.raw(1, PacketType.PULL,
                (Workload.URI + "\r\n00:00:00.000 ERROR forged - a log line written by a peer\r\n")
                        .getBytes(StandardCharsets.US_ASCII), new byte[0], (byte) 0, new byte[0]);
        static final byte[] CRLF_QUERY = Frames.raw(1, PacketType.PULL,
                (BenchServer.SLOW + "?ms=0&x=\r\n00:00:00.000 WARN  forged - another one")
                        .getBytes(StandardCharsets.US_ASCII), new byte[0], (byte) 0, new byte[0]);
        static final byte[] WORKLOAD_PULL = Frames.pull(1, Workload.URI, ProtobufCodec.ID, Workload.request());

        private static byte[] longUri(String prefix, int length) {
            byte[] uri = Arrays.copyOf(prefix.getBytes(StandardCharsets.US_ASCII), length);
            Arrays.fill(uri, prefix.length(), length, (byte) 'x');
            return uri;
        }
    }

    /** One run of one attack, until {@code until}. */
    private final class Attack {
        private final Tally tally;
        private final long until;
        private final Random random;
        private long seq;

        Attack(Tally tally, long until, Random random) {
            this.tally = tally;
            this.until = until;
            this.random = random;
        }

        void run(String name) {
            switch (name) {
                case "slow-unread":
                    unread(SLOW_URI, SLOW_PULLS, SLOW_BATCH, 250);
                    break;
                case "flood-unread":
                    unread(FLOOD_URI, FLOOD_PULLS, 1, 2_000);
                    break;
                case "big-meta":
                    oneFramePerConnection(Canned.BIG_META, META_FRAMES, 2_000, 10_000);
                    break;
                case "gzip-bomb":
                    framesOnOneConnection(new byte[][] {Canned.GZIP_BOMB}, GZIP_FRAMES, 1_000, 10_000);
                    break;
                case "stall":
                    stall();
                    break;
                case "bad-uri":
                    framesOnOneConnection(new byte[][] {Canned.CRLF_PATH, Canned.LONG_PATH, Canned.CRLF_QUERY,
                        Canned.LONG_QUERY}, BAD_URI_FRAMES, 250, 2_000);
                    break;
                case "churn":
                    churn();
                    break;
                case "garbage":
                    garbage();
                    break;
                default:
                    throw new IllegalArgumentException(name);
            }
        }

        private HostileConn connect() {
            // The hard deadline leaves the end-of-attack probe its time; the watchdog ends the
            // connection there whatever state it is in.
            HostileConn c = HostileConn.open(Hostile.this, tally, server, until + TimeUnit.MILLISECONDS.toNanos(
                    PROBE_MS + 2_000));
            if (c == null) {
                pause(200, until);
            }
            return c;
        }

        /**
         * Pulls {@code total} times, {@code batch} at a time, never reading, then holds the
         * connection to the end. One more small pull a second while it holds tells, without
         * reading, whether the server has ended it (the write fails); an ended connection is
         * replaced, so that the pressure lasts the attack's whole time.
         */
        private void unread(String uri, int total, int batch, long everyMillis) {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (int n = 0; n < MAX_CONNS_PER_RUN && running(until); n++) {
                HostileConn c = connect();
                if (c == null) {
                    continue;
                }
                try {
                    for (int sent = 0; sent < total && running(until); sent += batch) {
                        frames.reset();
                        for (int i = 0; i < batch; i++) {
                            frames.writeBytes(Frames.pull(++seq, uri));
                        }
                        if (!c.send(frames.toByteArray()) || !pause(everyMillis, until)) {
                            break;
                        }
                    }
                    while (!c.closedByServer() && pause(1_000, until)) {
                        c.send(Frames.pull(++seq, TRICKLE_URI));
                    }
                    if (!c.closedByServer()) {
                        c.probe(PROBE_MS);
                        return;
                    }
                } finally {
                    c.close();
                }
                pause(500, until);
            }
        }

        /** Sends {@code frame} on a new connection each time and waits for an answer or the end. */
        private void oneFramePerConnection(byte[] frame, int count, long everyMillis, int replyMillis) {
            for (int i = 0; i < count && running(until); i++) {
                HostileConn c = connect();
                if (c == null) {
                    continue;
                }
                try {
                    if (c.send(frame)) {
                        c.awaitReply(replyMillis);
                    }
                } finally {
                    c.close();
                }
                if (!pause(everyMillis, until)) {
                    break;
                }
            }
        }

        /** Sends the frames in turn on one connection, a new one whenever the server ends it. */
        private void framesOnOneConnection(byte[][] frames, int count, long everyMillis, int replyMillis) {
            HostileConn c = null;
            try {
                for (int i = 0; i < count && running(until); i++) {
                    if (c == null || c.closedByServer()) {
                        if (c != null) {
                            c.close();
                        }
                        c = connect();
                        if (c == null) {
                            continue;
                        }
                    }
                    if (c.send(frames[i % frames.length])) {
                        c.awaitReply(replyMillis);
                    }
                    if (!pause(everyMillis, until)) {
                        break;
                    }
                }
                if (c != null) {
                    c.drainUntilClosed(100);
                }
            } finally {
                if (c != null) {
                    c.close();
                }
            }
        }

        /**
         * Holds connections in the middle of a frame: half send nothing more, half drip a byte a
         * second (which an idle-read timeout never sees). Once a second each is looked at (a read
         * of 1 ms for the silent ones, which the server sends nothing to; the next byte for the
         * dripping ones) and one the server has ended is replaced.
         */
        private void stall() {
            byte[] part = Frames.truncated(STALL_DECLARED, STALL_SENT);
            byte[] drop = {'u'};
            HostileConn[] held = new HostileConn[STALL_CONNS];
            int opened = 0;
            try {
                do {
                    for (int i = 0; i < held.length && running(until); i++) {
                        HostileConn c = held[i];
                        boolean ended = c == null || (i % 2 == 0 ? c.peekEnded() : !c.send(drop));
                        if (ended && opened < MAX_CONNS_PER_RUN * STALL_CONNS) {
                            if (c != null) {
                                c.close();
                            }
                            held[i] = connect();
                            opened++;
                            if (held[i] != null) {
                                held[i].send(part);
                            }
                        }
                    }
                } while (pause(1_000, until));
                for (HostileConn c : held) {
                    if (c != null) {
                        c.peekEnded();
                    }
                }
            } finally {
                for (HostileConn c : held) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }

        private void churn() {
            for (int i = 0; i < CHURN_CONNS && running(until); i++) {
                HostileConn c = connect();
                if (c == null) {
                    continue;
                }
                try {
                    switch (i % 4) {
                        case 1:
                            c.send(Canned.WORKLOAD_PULL, 0, 3);
                            break;
                        case 2:
                            c.send(Canned.WORKLOAD_PULL);
                            break;
                        case 3:
                            c.resetOnClose();
                            break;
                        default:
                            break;
                    }
                } finally {
                    c.close();
                }
                if (!pause(25, until)) {
                    break;
                }
            }
        }

        private void garbage() {
            byte[] bytes = new byte[GARBAGE_BYTES];
            for (int i = 0; i < GARBAGE_CONNS && running(until); i++) {
                random.nextBytes(bytes);
                if (i % 2 == 1) {
                    // A plausible start (a size under the limit and the protocol id), so that the
                    // garbage reaches the frame parser instead of the size check.
                    ByteBuffer.wrap(bytes).putInt(GARBAGE_BYTES).put((byte) 'f');
                    bytes[5] = (byte) random.nextInt(4);
                }
                HostileConn c = connect();
                if (c == null) {
                    continue;
                }
                try {
                    if (c.send(bytes)) {
                        c.drainUntilClosed(5_000);
                    }
                } finally {
                    c.close();
                }
                if (!pause(250, until)) {
                    break;
                }
            }
        }
    }
}
