package io.teleport.internal.limits;

import io.teleport.internal.log.RefusalLog;
import io.teleport.limits.Limits;
import org.jspecify.annotations.Nullable;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bytes of inbound frames one peer holds across all its connections: frames being received,
 * reserved as their bytes arrive (up to the size their header declares), and messages waiting for
 * or in their handler. A connection whose next frame does not fit stops being read and waits here until
 * another releases room.
 *
 * <p>Frames over {@link Limits#LARGE_FRAME} may only fill half the budget, and frames over
 * {@link #SMALL_FRAME} less than small ones, those not yet whole less than those whole, so that
 * senders of large frames (or of frames they never finish, until the frame-read timeout closes them)
 * leave room for everyone else's calls: calls go on while the budget is held. An empty budget admits
 * any frame, so one larger than the share still gets through, alone; and one frame at a time may take
 * the rest of itself past its share (see {@link #overdraw}), so that frames that hold the share between
 * them, none whole, cannot all wait for one another. That one frame holds bytes not yet sent, against
 * the rule that a header holds only what has arrived: the price of one frame finishing, for one frame
 * at a time.
 *
 * <p>When room is short, a connection that holds much less than the others goes first. One that holds,
 * besides the frame it receives, more than a quarter of an even split of the budget among the
 * connections holding any of it (heavy) may fill the budget to thirteen sixteenths with small frames
 * that arrive whole and to three quarters with other frames; one that holds less (light) to the end
 * with small whole frames, to fifteen sixteenths with small ones arriving, and to seven eighths with
 * medium ones. Without that, peers that each kept pulls queued to a 50 ms route held the whole budget,
 * and every other connection waited with them for each freed frame's room: against three hundred, a
 * bystander's calls took 2.2 s at the 99th percentile; holding little, it now finds room at once (191 ms,
 * hostile rounds 17-18). A new connection is light for its first frames too: one that has just connected
 * holds nothing, which is as much as the bystander. So is a connection holding the budget alone (no
 * one to leave room to), and one this side awaits replies on (see {@link #light}).
 */
public final class InboundBudget {

    /** Someone waiting for room: called, from any thread, when room may have been freed. */
    interface Waiter {
        void roomFreed();

        /** Whether this side awaits replies on the waiter's connection: then it counts as light (see {@link #tryReserve}). */
        default boolean awaitsReplies() {
            return false;
        }
    }

    /** Frames up to this size may use more of the budget than larger ones (see {@link #tryReserve}). */
    static final int SMALL_FRAME = 64 * 1024;

    private final long max;
    /** Each time the budget fills up, one line per interval at most: with it, no connection whose frame does not fit is read. */
    private final @Nullable RefusalLog full;
    private final AtomicLong used = new AtomicLong();
    /** Connections holding any of the budget: changed as often as connections start and end calls, read when room is short. */
    private final LongAdder holders = new LongAdder();
    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    /** The waiter whose frame may go past its share, if any (see {@link #overdraw}). */
    private final AtomicReference<@Nullable Overdraft> overdraft = new AtomicReference<>();

    public InboundBudget(long max) {
        this(max, null);
    }

    public InboundBudget(long max, @Nullable RefusalLog full) {
        this.max = max;
        this.full = full;
    }

    /**
     * Whether connections wait for room while the budget is within a small frame of its last eighth:
     * past what heavy connections may take (see {@link #tryReserve}), so not while only they wait, nor
     * while a large frame waits for its share and small ones go on.
     */
    public boolean othersWait() {
        return !waiters.isEmpty() && used.get() + SMALL_FRAME > max - max / 8;
    }

    /**
     * Takes {@code bytes} more for a frame of {@code frameSize} that holds {@code held} already, on a
     * connection holding {@code holds} in all (that frame's included), if they fit: its share is half
     * the budget when it is large, else it depends on whether the frame is whole and the connection
     * light; alone, it fits whatever its size.
     */
    boolean tryReserve(long bytes, long frameSize, long held, long holds, Waiter waiter) {
        // A small frame that is whole with these bytes may take more than one still arriving, so that
        // thousands of small frames held one byte short of whole cannot leave no room for the calls that
        // arrive whole.
        boolean small = frameSize <= SMALL_FRAME;
        boolean whole = small && held + bytes >= frameSize;
        long heavyShare = frameSize > Limits.LARGE_FRAME ? max / 2 : whole ? max - max / 16 * 3 : max - max / 4;
        // Medium frames stay under what one frame past its share may reach (see overdraw); a small one
        // arriving ends in a whole one's room, which is where it is held up no longer than its last bytes.
        long lightShare = frameSize > Limits.LARGE_FRAME ? max / 2 : whole ? max : small ? max - max / 16 : max - max / 8;
        for (;;) {
            long now = used.get();
            // Who holds what is looked at only between the two shares: rarely, and never on an idle budget.
            if (now != held && now + bytes > heavyShare && (now + bytes > lightShare || !light(holds - held, waiter))) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /**
     * Whether a connection holding {@code others} besides the frame it receives is light: it holds at most
     * a quarter of an even split among the holders (the frame itself does not count, or a bystander's
     * one 60 KB call arriving in pieces would turn it heavy half-way), or it holds the budget alone (no
     * one to leave room to), or this side awaits replies there: a reply may be what lets the pulls it
     * holds finish (a handler's nested call back over the same session).
     */
    private boolean light(long others, Waiter waiter) {
        long n = holders.sum();
        return n <= 1 || others <= max / (4 * n) || waiter.awaitsReplies();
    }

    /** One more connection holds some of the budget ({@code +1}), or one holds none any more ({@code -1}). */
    void holders(int change) {
        holders.add(change);
    }

    /**
     * Takes {@code bytes} for a frame of {@code frameSize} holding {@code held}, on a connection holding
     * {@code holds}, if they fit; otherwise queues {@code waiter}, which is called once room may have been
     * freed (it then tries again, and may queue again).
     */
    boolean reserveOrWait(long bytes, long frameSize, long held, long holds, Waiter waiter) {
        Overdraft own = overdraft.get();
        if (own != null && own.waiter == waiter && own.take(bytes)) {
            // The frame past its share grows into what it took, not into the budget again.
            return true;
        }
        if (tryReserve(bytes, frameSize, held, holds, waiter) || overdraw(bytes, frameSize, held, waiter)) {
            return true;
        }
        boolean first = waiters.isEmpty();
        waiters.add(waiter);
        if (first && full != null) {
            full.record(used.get() + " of " + max + " bytes held by " + holders.sum() + " connections; a frame of "
                    + frameSize + " bytes waits");
        }
        // Room freed between the failed try and the queueing would wake nobody: look once more.
        if (tryReserve(bytes, frameSize, held, holds, waiter) || overdraw(bytes, frameSize, held, waiter)) {
            waiters.remove(waiter);
            return true;
        }
        return false;
    }

    /**
     * Takes {@code bytes} past its share for the one frame that may: frames being received can hold
     * their share between them and each wait for more, none finishing and none releasing (four
     * honest 16 MB frames at once did, until the frame-read timeout closed all four; a hundred-odd
     * uploads of a megabyte would at the medium frames' share). One frame at a time that has started
     * arriving may then take all that is left of it at once, if that fits under three quarters of the
     * budget for a large frame (medium and small frames keep a quarter) or fifteen sixteenths for a
     * medium one (small frames keep a sixteenth), so that it finishes and releases: it cannot trickle
     * further. Its later growth comes out of what it took.
     */
    private boolean overdraw(long bytes, long frameSize, long held, Waiter waiter) {
        Overdraft current = overdraft.get();
        if (current != null) {
            return current.waiter == waiter && current.take(bytes);
        }
        long rest = frameSize - held;
        // A large frame goes into the medium frames' room, a medium one into half the small frames' eighth.
        long cap = frameSize > Limits.LARGE_FRAME ? max - max / 4 : max - max / 16;
        if (frameSize <= SMALL_FRAME || held == 0 || bytes > rest || used.get() + rest > cap) {
            return false;
        }
        Overdraft claim = new Overdraft(waiter, rest - bytes);
        if (!overdraft.compareAndSet(null, claim)) {
            return false;
        }
        for (;;) {
            long now = used.get();
            if (now + rest > cap) {
                // Taken meanwhile: the slot goes back, and whoever queued behind this claim looks again.
                overdraft.set(null);
                wakeWaiters();
                return false;
            }
            if (used.compareAndSet(now, now + rest)) {
                return true;
            }
        }
    }

    /**
     * The frame of {@code waiter} ended (whole, or its connection gone), or its connection stopped
     * being read (then it would hold the slot for as long, its frame clock not running): what it took
     * and did not grow into comes back, and another frame may go past its share.
     */
    void endOverdraft(Waiter waiter) {
        Overdraft current = overdraft.get();
        if (current != null && current.waiter == waiter && overdraft.compareAndSet(current, null)) {
            long left = current.left.getAndSet(0);
            if (left > 0) {
                used.addAndGet(-left);
            }
            wakeWaiters();
        }
    }

    private void wakeWaiters() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.roomFreed();
        }
    }

    /** The frame going past its share, and what of its rest it has not grown into yet: one object, swapped whole. */
    private static final class Overdraft {
        final Waiter waiter;
        final AtomicLong left;

        Overdraft(Waiter waiter, long left) {
            this.waiter = waiter;
            this.left = new AtomicLong(left);
        }

        boolean take(long bytes) {
            if (left.addAndGet(-bytes) >= 0) {
                return true;
            }
            left.addAndGet(bytes);
            return false;
        }
    }

    /** Takes {@code bytes} even past the budget: what a frame turned out to hold after inflating. */
    void force(long bytes) {
        used.addAndGet(bytes);
    }

    /** Gives back {@code bytes} and wakes whoever waits for room. */
    public void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        used.addAndGet(-bytes);
        wakeWaiters();
    }

    /** Forgets a waiter whose connection is gone. */
    void cancel(Waiter waiter) {
        waiters.remove(waiter);
        endOverdraft(waiter);
    }

    long used() {
        return used.get();
    }

    long holderCount() {
        return holders.sum();
    }

    long max() {
        return max;
    }
}
