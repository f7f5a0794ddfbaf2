package io.teleport.benchmark.soak;

import io.teleport.Peer;
import io.teleport.benchmark.BenchServer;
import io.teleport.benchmark.Workload;
import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The clients the server is there for, beside the hostile ones: pullers that each pull the
 * workload on their own session, one pull at a time at a fixed pace, and push receivers that each
 * ask {@code /bench/flood} for a few small pushes and wait for all of them. A broken session is
 * dialled again. Every attempt counts: as OK, or as an error (a failed call, a timeout, a dial
 * that failed), and its time goes into the interval's latency histogram whatever its outcome.
 *
 * <p>The pace is closed-loop: a call that takes longer than its slot delays the next one instead
 * of piling calls up; after a stall the pace restarts from the present rather than catching up.
 */
final class WellBehaved {

    private static final String ROUND = "soak-round";
    private static final int PUSHES_PER_ROUND = 10;
    private static final int PUSH_BYTES = 256;

    private final Peer peer;
    private final String address;
    private final int pullers;
    private final int pushers;
    private final double pullRate;
    private final double pushRate;
    private final Duration timeout;
    private final Recorder pullLatency = new Recorder(3);
    private final Recorder pushLatency = new Recorder(3);
    private final LongAdder pullsOk = new LongAdder();
    private final LongAdder pullErrors = new LongAdder();
    private final LongAdder roundsOk = new LongAdder();
    private final LongAdder roundErrors = new LongAdder();
    private final LongAdder pushesReceived = new LongAdder();
    private final LongAdder redials = new LongAdder();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    /**
     * @param pullRate pulls a second, all pullers together; 0 for as fast as replies come
     * @param pushRate push rounds a second, all receivers together; 0 for as fast as they complete
     */
    WellBehaved(String address, int pullers, int pushers, double pullRate, double pushRate, Duration timeout) {
        this.address = address;
        this.pullers = pullers;
        this.pushers = pushers;
        this.pullRate = pullRate;
        this.pushRate = pushRate;
        this.timeout = timeout;
        // Handlers inline: the only one counts a push down, and no thread should sit between a
        // push's arrival and its timestamp.
        this.peer = new Peer(PeerConfig.builder().defaultBodyCodec("protobuf").handlerExecution(HandlerExecution.INLINE)
                .ioThreads(2).pullTimeout(timeout).dialTimeout(Duration.ofSeconds(5)).build());
        peer.pushRouter().route(BenchServer.FLOODED, byte[].class, (body, ctx) -> {
            pushesReceived.increment();
            Object round = ctx.session().attributes().get(ROUND);
            if (round instanceof Round && ((Round) round).tag.equals(ctx.queryValue("tag"))) {
                ((Round) round).left.countDown();
            }
        });
    }

    /** Dials every session (failing if one cannot be), then starts the clients until {@code endNanos}. */
    void start(long endNanos) {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < pullers + pushers; i++) {
            sessions.add(peer.dial(address));
        }
        for (int i = 0; i < pullers; i++) {
            Session s = sessions.get(i);
            long period = period(pullRate, pullers);
            threads.add(new Thread(() -> pullLoop(s, endNanos, period), "soak-puller-" + i));
        }
        for (int i = 0; i < pushers; i++) {
            Session s = sessions.get(pullers + i);
            long period = period(pushRate, pushers);
            String tag = "r" + i + "x";
            threads.add(new Thread(() -> pushLoop(s, tag, endNanos, period), "soak-pushee-" + i));
        }
        threads.forEach(t -> {
            t.setDaemon(true);
            t.start();
        });
    }

    /** Stops the clients (a call under way may take its timeout to end) and closes the peer. */
    void stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        peer.shutdown(Duration.ofSeconds(2));
    }

    /** What happened since the previous call. */
    Interval interval() {
        return new Interval(pullsOk.sumThenReset(), pullErrors.sumThenReset(), roundsOk.sumThenReset(),
                roundErrors.sumThenReset(), pushesReceived.sumThenReset(), redials.sumThenReset(),
                pullLatency.getIntervalHistogram(), pushLatency.getIntervalHistogram());
    }

    int pushers() {
        return pushers;
    }

    private static long period(double rate, int clients) {
        return rate <= 0 || clients == 0 ? 0 : (long) (1e9 * clients / rate);
    }

    private boolean running(long end) {
        return !stopped && System.nanoTime() - end < 0;
    }

    private void pullLoop(Session first, long end, long period) {
        BenchmarkMessage request = Workload.request();
        Session s = first;
        long next = System.nanoTime();
        while (running(end)) {
            s = healthy(s, end, pullErrors);
            if (s == null) {
                continue;
            }
            long t0 = System.nanoTime();
            boolean ok;
            try {
                ok = "OK".equals(s.pull(Workload.URI, request, BenchmarkMessage.class).getField1());
            } catch (RuntimeException e) {
                ok = false;
            }
            pullLatency.recordValue(System.nanoTime() - t0);
            (ok ? pullsOk : pullErrors).increment();
            next = pace(next, period, end);
        }
    }

    private void pushLoop(Session first, String tag, long end, long period) {
        Session s = first;
        long next = System.nanoTime();
        for (long r = 0; running(end); r++) {
            s = healthy(s, end, roundErrors);
            if (s == null) {
                continue;
            }
            Round round = new Round(tag + r, PUSHES_PER_ROUND);
            s.attributes().put(ROUND, round);
            long t0 = System.nanoTime();
            boolean ok;
            try {
                s.pull(BenchServer.FLOOD + "?n=" + PUSHES_PER_ROUND + "&size=" + PUSH_BYTES + "&tag=" + round.tag,
                        null, String.class);
                long left = timeout.toNanos() - (System.nanoTime() - t0);
                ok = round.left.await(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) {
                ok = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pushLatency.recordValue(System.nanoTime() - t0);
            (ok ? roundsOk : roundErrors).increment();
            next = pace(next, period, end);
        }
    }

    /** The session if it is healthy; otherwise a new one, or null (an error counted) when the dial fails. */
    private Session healthy(Session s, long end, LongAdder errors) {
        if (s != null && s.isHealthy()) {
            return s;
        }
        if (s != null) {
            s.close();
        }
        redials.increment();
        try {
            return peer.dial(address);
        } catch (RuntimeException e) {
            errors.increment();
            sleepUntil(Math.min(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500), end));
            return null;
        }
    }

    /** The next slot; sleeps until it. */
    private long pace(long next, long period, long end) {
        if (period == 0) {
            return next;
        }
        long now = System.nanoTime();
        next += period;
        if (now - next > TimeUnit.SECONDS.toNanos(1)) {
            next = now;
        }
        sleepUntil(Math.min(next, end));
        return next;
    }

    private void sleepUntil(long wake) {
        long left;
        while (!stopped && (left = wake - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One push round: its tag (the pushes carry it back in their URI) and the pushes still due. */
    private static final class Round {
        final String tag;
        final CountDownLatch left;

        Round(String tag, int pushes) {
            this.tag = tag;
            this.left = new CountDownLatch(pushes);
        }
    }

    /** The well-behaved clients' results over one interval. */
    record Interval(long pullsOk, long pullErrors, long roundsOk, long roundErrors, long pushes, long redials,
            Histogram pullLatency, Histogram pushLatency) {

        long errors() {
            return pullErrors + roundErrors;
        }
    }
}
