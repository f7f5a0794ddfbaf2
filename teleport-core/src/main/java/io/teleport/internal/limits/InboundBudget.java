package io.teleport.internal.limits;

import io.teleport.internal.log.RefusalLog;
import io.teleport.limits.Limits;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bytes of inbound frames one peer holds across all its connections: frames being received,
 * reserved as their bytes arrive (up to the size their header declares), and messages waiting for
 * or in their handler. A connection whose next frame does not fit stops being read and waits in line
 * here ({@link WaitingLine}) until room is given back and served to it in its turn.
 *
 * <p>Frames over {@link Limits#LARGE_FRAME} may only fill half the budget, and frames over
 * {@link #SMALL_FRAME}, or small ones not yet whole, seven eighths, so that senders of large frames
 * (or of frames they never finish, until the frame-read timeout closes them) leave room for
 * everyone else's small ones that arrive whole: calls go on while the budget is held. An empty budget admits any frame, so one larger than the share still gets
 * through, alone; and one frame at a time may take the rest of itself past its share (see
 * {@link #overdraw}), so that frames that hold the share between them, none whole, cannot all wait
 * for one another. That one frame holds bytes not yet sent, against the rule that a header
 * holds only what has arrived: the price of one frame finishing, for one frame at a time.
 */
public final class InboundBudget {

    /** A frame waiting for room: called, from any thread, once room was reserved for it in its turn (see {@link WaitingLine}). */
    interface Waiter {
        void roomFreed();
    }

    /** Frames up to this size may use the last eighth of the budget, which larger ones leave. */
    static final int SMALL_FRAME = 64 * 1024;

    private final long max;
    /** Each time the budget fills up, one line per interval at most: with it, no connection whose frame does not fit is read. */
    private final @Nullable RefusalLog full;
    private final AtomicLong used = new AtomicLong();
    /** The frames waiting for room, served in turn. */
    private final WaitingLine line = new WaitingLine(this);
    /** The waiter whose frame may go past its share, if any (see {@link #overdraw}). */
    private final AtomicReference<@Nullable Overdraft> overdraft = new AtomicReference<>();
    /** See {@link #lastProgress()}. */
    private volatile long lastProgress = System.nanoTime();

    public InboundBudget(long max) {
        this(max, null);
    }

    public InboundBudget(long max, @Nullable RefusalLog full) {
        this.max = max;
        this.full = full;
    }

    /** The smallest read while connections wait for room (see {@link #readSize}). */
    private static final int MIN_CONTENDED_READ = 4096;

    /**
     * How much a connection may read at once ({@code guess}, Netty's, or less): what a connection has read
     * but cannot reserve it holds uncounted while it waits, so while connections wait, their reads are kept
     * to a sixteenth of the budget between them (at least 4 KiB each). Trial 17's 2,000 waiting
     * connections held about 150 KB each with reads of up to 64 KiB, and ran out of direct memory; reads
     * of 4 KiB for all, whatever the number waiting, made a bystander's 300 KB frames wait behind 80
     * hostile ones (hostile round 19).
     */
    public int readSize(int guess) {
        int n = line.waiting();
        return n == 0 ? guess : (int) Math.min(guess, Math.max(MIN_CONTENDED_READ, max / 16 / n));
    }

    /**
     * Whether connections wait for room while a small frame that is not whole yet would not fit (the
     * budget within one such frame of its last eighth): not a large frame waiting for its share while
     * small ones go on.
     */
    public boolean othersWait() {
        return line.waiting() > 0 && used.get() + SMALL_FRAME > max - max / 8;
    }

    /** A small frame these bytes make whole: it may use the whole budget (see {@link #shareOf}). */
    static final int WHOLE = 0;
    /** A frame still arriving, or over {@link #SMALL_FRAME}: seven eighths. */
    static final int ARRIVING = 1;
    /** A frame over {@link Limits#LARGE_FRAME}: half. */
    static final int LARGE = 2;

    /**
     * Which share of the budget {@code bytes} more for a frame of {@code frameSize} holding {@code held} may
     * use. A small frame that is whole with them may take the last eighth; one still arriving may not, so
     * that thousands of small frames held one byte short of whole cannot leave no room for the calls that
     * arrive whole.
     */
    static int shareOf(long bytes, long frameSize, long held) {
        return frameSize > Limits.LARGE_FRAME ? LARGE
                : frameSize > SMALL_FRAME || held + bytes < frameSize ? ARRIVING : WHOLE;
    }

    private long share(int which) {
        return which == LARGE ? max / 2 : which == ARRIVING ? max - max / 8 : max;
    }

    /**
     * Takes {@code bytes} more for a frame of {@code frameSize} that holds {@code held} already, if they
     * fit: its share is half the budget when it is large; alone, it fits whatever its size.
     */
    boolean tryReserve(long bytes, long frameSize, long held) {
        long share = share(shareOf(bytes, frameSize, held));
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
     * Takes {@code bytes} if they fit once frames in line before it (nearer to whole) had the room they fit;
     * otherwise puts {@code waiter} in line (see {@link WaitingLine}): once room it fits is given back in its
     * turn, it is reserved for it and the waiter called (it then asks again, and gets it).
     */
    boolean reserveOrWait(long bytes, long frameSize, long held, Waiter waiter) {
        if (!line.holdsServedRoom()) {
            Overdraft own = overdraft.get();
            if (own != null && own.waiter == waiter && own.take(bytes)) {
                // The frame past its share grows into what it took, not into the budget again.
                return true;
            }
            // Nobody waiting: the lock-free way (the count read first, see WaitingLine.served).
            if (line.waiting() == 0 && !line.holdsServedRoom() && take(bytes, frameSize, held, waiter)) {
                return true;
            }
        }
        int taken = line.take(bytes, frameSize, held, waiter);
        if (taken < 0 && full != null) {
            full.record(used.get() + " of " + max + " bytes held; a frame of " + frameSize + " bytes waits");
        }
        return taken > 0;
    }

    /** The room left in share {@code which} (negative past it). */
    long roomIn(int which) {
        return share(which) - used.get();
    }

    /** Whether no frame is past its share: one may go (see {@link #overdraw}). */
    boolean mayOverdraw() {
        return overdraft.get() == null;
    }

    /**
     * Room served to {@code waiter} that it did not take: back into its overdraft if it is the frame past
     * its share (the room may have come out of it), returning 0; else returns {@code bytes}, to release.
     */
    long refund(Waiter waiter, long bytes) {
        Overdraft own = overdraft.get();
        if (bytes > 0 && own != null && own.waiter == waiter) {
            own.left.addAndGet(bytes);
            return 0;
        }
        return bytes;
    }

    /** Takes {@code bytes} if they fit its share, or past it as the one frame that may. */
    boolean take(long bytes, long frameSize, long held, Waiter waiter) {
        return tryReserve(bytes, frameSize, held) || overdraw(bytes, frameSize, held, waiter);
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
    boolean overdraw(long bytes, long frameSize, long held, Waiter waiter) {
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
                // Taken meanwhile: the slot goes back, and whoever queued behind this claim is served.
                overdraft.set(null);
                line.roomMoved();
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
            line.roomMoved();
        }
    }

    /**
     * The frame of {@code waiter} ended, whole or failed, its connection is gone, or it stopped being read
     * for another reason: it leaves the line, room served to it and not taken comes back, and so does its
     * overdraft.
     */
    void frameEnded(Waiter waiter) {
        line.leave(waiter);
        endOverdraft(waiter);
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

    /** Gives back {@code bytes}, and serves them to frames waiting in line that they fit. */
    public void release(long bytes) {
        if (bytes == 0) {
            return;
        }
        used.addAndGet(-bytes);
        if (line.waiting() > 0) {
            line.serve();
        }
    }

    /**
     * A frame of {@code frameSize} that waited for room got some: room for frames still arriving moved
     * (see {@link #lastProgress()}), however full the budget stays. Not small frames, which come and go in
     * the last eighth while frames that never end may hold the rest; nor room given back that no frame in
     * line could use (a review, and hostile round 19: small calls' releases, the budget a few KB under the
     * share of frames still arriving, kept frames that never end, all in line, from ever being timed out).
     */
    public void waitedAndGotRoom(long frameSize) {
        if (frameSize > SMALL_FRAME) {
            lastProgress = System.nanoTime();
        }
    }

    /**
     * When a frame over {@link #SMALL_FRAME} that waited for room last got some ({@code System.nanoTime()}):
     * frames that wait for room do not count the wait against the frame-read timeout unless none has for
     * that long (they would all be waiting for one another, or for frames that never end).
     */
    public long lastProgress() {
        return lastProgress;
    }


    long used() {
        return used.get();
    }

    long max() {
        return max;
    }
}
