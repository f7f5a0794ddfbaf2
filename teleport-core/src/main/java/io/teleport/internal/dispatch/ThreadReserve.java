package io.teleport.internal.dispatch;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A quarter more handler threads than configured, kept for senders that run few handlers at once.
 *
 * <p>Threads cannot be taken back from a handler that blocks: turns decide only who gets the next
 * thread to come free. Two sessions whose calls each block for a long time (a route that sleeps, or
 * that pulls its caller back while the caller never answers) kept every thread of the default pool
 * (200 threads, 128 calls in flight per session), and every other session's calls waited out their
 * timeouts. So a sender already running {@link #light} handlers or more starts another only while
 * fewer handlers run than the configured threads; the pool's other quarter goes to senders running
 * fewer. Such a heavy sender's calls wait in the queue (and its session stops being read once its
 * in-flight limit is reached) instead of holding the threads every other sender needs. Senders
 * that each run many handlers still share all the configured threads between them, as before;
 * filling the reserve takes many senders with few calls each, which is a matter of connection limits,
 * or the peer's own tasks (hooks, completions: they name no sender and are not held back) blocking.
 * Pools of fewer than four threads keep no reserve. A task taken while another thread takes one may
 * pass before the other is counted: the bound is exact up to the threads taking at the same instant.
 */
final class ThreadReserve {

    private static final AtomicIntegerFieldUpdater<ThreadReserve> RUNNING =
            AtomicIntegerFieldUpdater.newUpdater(ThreadReserve.class, "running");

    /** Handlers running in all below which any sender may start one: the configured threads. */
    private final int heavyLimit;
    /** Handlers a sender may run before it counts as heavy: a thirty-second of the threads, at least one. */
    private final int light;
    /** The handlers of senders running now (the peer's own tasks, which name no sender, are not counted). */
    private volatile int running;

    /** For a pool of {@code threads} configured threads, and {@link #poolThreads} in all. */
    ThreadReserve(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: > 0)");
        }
        this.heavyLimit = threads / 4 == 0 ? Integer.MAX_VALUE : threads;
        this.light = Math.max(1, threads / 32);
    }

    /** The threads a pool of {@code threads} configured threads may have, its reserve included. */
    static int poolThreads(int threads) {
        return threads + threads / 4;
    }

    /** Whether a sender that runs {@code laneRunning} handlers may start another now. */
    boolean admits(int laneRunning) {
        return laneRunning < light || running < heavyLimit;
    }

    void started() {
        RUNNING.incrementAndGet(this);
    }

    void ended() {
        RUNNING.decrementAndGet(this);
    }
}
