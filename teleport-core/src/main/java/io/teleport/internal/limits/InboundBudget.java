package io.teleport.internal.limits;

import io.teleport.limits.Limits;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of inbound frames one peer holds across all its connections: frames being received,
 * reserved as their bytes arrive (up to the size their header declares), and messages waiting for
 * or in their handler. A connection whose next frame does not fit stops being read and waits here until
 * another releases room.
 *
 * <p>Frames over {@link Limits#LARGE_FRAME} may only fill half the budget, and frames over
 * {@link #SMALL_FRAME} seven eighths, so that senders of large frames (or of frames they never finish,
 * until the frame-read timeout closes them) leave room for everyone else's small ones: calls go on
 * while the budget is held. An empty budget admits any frame, so one larger than the share still gets
 * through, alone.
 */
public final class InboundBudget {

    /** Someone waiting for room: called, from any thread, when room may have been freed. */
    interface Waiter {
        void roomFreed();
    }

    /** Frames up to this size may use the last eighth of the budget, which larger ones leave. */
    static final int SMALL_FRAME = 64 * 1024;

    private final long max;
    private final AtomicLong used = new AtomicLong();
    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    public InboundBudget(long max) {
        this.max = max;
    }

    /**
     * Takes {@code bytes} more for a frame of {@code frameSize} that holds {@code held} already, if they
     * fit: its share is half the budget when it is large; alone, it fits whatever its size.
     */
    boolean tryReserve(long bytes, long frameSize, long held) {
        long share = frameSize > Limits.LARGE_FRAME ? max / 2 : frameSize > SMALL_FRAME ? max - max / 8 : max;
        for (;;) {
            long now = used.get();
            if (now != held && now + bytes > share) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * Takes {@code bytes} if they fit; otherwise queues {@code waiter}, which is called once room may
     * have been freed (it then tries again, and may queue again).
     */
    boolean reserveOrWait(long bytes, long frameSize, long held, Waiter waiter) {
        if (tryReserve(bytes, frameSize, held)) {
            return true;
        }
        waiters.add(waiter);
        // Room freed between the failed try and the queueing would wake nobody: look once more.
        if (tryReserve(bytes, frameSize, held)) {
            waiters.remove(waiter);
            return true;
        }
        return false;
    }

    /** Takes {@code bytes} even past the budget: what a frame turned out to hold after inflating. */
    void force(long bytes) {
        used.addAndGet(bytes);
    }

    /** Gives back {@code bytes} and wakes whoever waits for room. */
    void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        used.addAndGet(-bytes);
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.roomFreed();
        }
    }

    /** Forgets a waiter whose connection is gone. */
    void cancel(Waiter waiter) {
        waiters.remove(waiter);
    }

    long used() {
        return used.get();
    }

    long max() {
        return max;
    }
}
