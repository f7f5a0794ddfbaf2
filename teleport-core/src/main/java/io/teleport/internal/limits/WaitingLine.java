package io.teleport.internal.limits;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The frames waiting for room in an {@link InboundBudget}, and the order in which room given back is served
 * to them: each frame in line that it fits, nearest to whole first (of those as near, the one that asked
 * first), gets the bytes it asked for (what its connection had read) reserved before it is woken, and asks
 * again for its next bytes; a frame that arrives while others wait joins them instead of taking room they
 * wait for. Finishing frames is what gives room back; and a frame that holds all its sender sent waits for
 * nothing here, so if its sender never sends the rest, its frame-read timeout, stopped while it waited in
 * line, runs.
 *
 * <p>Before, every release woke every waiter to race for the room: 80 connections holding frames of a
 * megabyte they never finish won it far more often than a bystander's 300 KB pulls (hostile round 19: none
 * got through in 45 s), and 2,000 waiting connections woken on every release swamped their I/O threads
 * (trial 17). Of the orders tried on that attack, one turn each in the order frames asked let the
 * bystander's two connections two turns in 82 (9 pulls through); the oldest frame first, none (it waited
 * behind every attack frame that came before it); this order, 83, and calls that arrive in two reads are
 * never held up. One that does not fit holds up none behind it. The price: a frame waits while frames
 * nearer to whole than it, or asking for less, keep coming; its clock stopped while frames over 64 KiB are
 * served, but if only smaller ones are, for as long as the frame-read timeout, its wait counts and it may
 * be closed (frames that never end must not wait in line for ever). There is one line per share
 * of the budget: frames whole with the bytes they wait for (small ones, which may use the whole budget),
 * frames still arriving, and large frames.
 *
 * <p>Everything here runs under one lock, taken only while frames wait or hold room served to them; the
 * budget's reservations stay lock-free otherwise. Waiters are woken once it is released.
 */
final class WaitingLine {

    /** Nearest to whole first; of frames as near, first come. */
    private static final Comparator<Wait> ORDER =
            Comparator.<Wait>comparingLong(w -> w.frameSize - w.held).thenComparingLong(w -> w.seq);

    private final InboundBudget budget;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<TreeSet<Wait>> lines = List.of(new TreeSet<>(ORDER), new TreeSet<>(ORDER), new TreeSet<>(ORDER));
    /** Per line, how many frames in it ask for how many bytes: the least is what room given back must reach. */
    private final List<TreeMap<Long, Integer>> asks = List.of(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
    /** Per line, the frames in it that may take their rest past their share (started, over 64 KiB), in order. */
    private final List<TreeSet<Wait>> started = List.of(new TreeSet<>(ORDER), new TreeSet<>(ORDER), new TreeSet<>(ORDER));
    /** How many frames in line hold how many bytes: one that holds all the budget's bytes is alone, and fits. */
    private final TreeMap<Long, Integer> helds = new TreeMap<>();
    private final Map<InboundBudget.Waiter, Wait> inLine = new IdentityHashMap<>();
    /** Room reserved for waiters that were served and have not come back for it yet. */
    private final Map<InboundBudget.Waiter, Long> served = new IdentityHashMap<>();
    /** How many hold room served to them: read without the lock, so that frames do not take it for nothing. */
    private volatile int holdingServed;
    /** Frames in line (counted before a newcomer looks at the budget, see {@link #take}). */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Room moved while the line was being served (an overdraft slot given back): serve it again. */
    private boolean again;
    /** Asks so far: which came first of frames as near to whole. */
    private long joins;

    WaitingLine(InboundBudget budget) {
        this.budget = budget;
    }

    int waiting() {
        return waiting.get();
    }

    boolean holdsServedRoom() {
        return holdingServed != 0;
    }

    /**
     * Takes {@code bytes} for the frame of {@code waiter}: out of room served to it, else at once if they
     * fit (every release while frames wait has served those before it all that fits), else it waits in line.
     * @return 1 when they were taken, 0 when it waits, -1 when it is the first to wait (the budget logs it)
     */
    int take(long bytes, long frameSize, long held, InboundBudget.Waiter waiter) {
        long left = 0;
        int result;
        boolean moved;
        lock.lock();
        try {
            Long room = served.remove(waiter);
            if (room != null) {
                holdingServed = served.size();
                boolean joining = bytes > room && !inLine.containsKey(waiter);
                if (joining) {
                    waiting.getAndIncrement(); // before the look, as below
                }
                if (bytes <= room) {
                    // It asks for less than it was served: the rest goes back, into its overdraft if the room
                    // came out of it (a review: given to the budget, the frame past its share could not finish
                    // out of what it took).
                    leaveLine(waiter, false);
                    left = budget.refund(waiter, room - bytes);
                    result = 1;
                } else if (budget.take(bytes - room, frameSize, held + room, waiter)) {
                    // More arrived meanwhile: the rest at once if it fits (this was its turn) ...
                    leaveLine(waiter, joining);
                    result = 1;
                } else {
                    // ... else in line for it, holding what it was served.
                    served.put(waiter, room);
                    holdingServed = served.size();
                    join(bytes - room, frameSize, held + room, waiter, joining);
                    result = 0;
                }
            } else {
                boolean joining = !inLine.containsKey(waiter);
                // Counted before the look at the budget: a release either sees someone waits, or left room seen here.
                int before = joining ? waiting.getAndIncrement() : -1;
                // Only this frame is tried: every release while frames wait served all it fit, and the frame
                // past its share, if this is it, takes out of its own (a review: it waited behind the line).
                if (budget.take(bytes, frameSize, held, waiter)) {
                    leaveLine(waiter, joining);
                    if (!joining) {
                        budget.waitedAndGotRoom(frameSize);
                    }
                    result = 1;
                } else {
                    join(bytes, frameSize, held, waiter, joining);
                    result = before == 0 ? -1 : 0;
                }
            }
            moved = again;
            again = false;
        } finally {
            lock.unlock();
        }
        if (moved) {
            serve();
        }
        if (left > 0) {
            budget.release(left);
        }
        return result;
    }

    /** Serves waiting frames the room now free: called after room was given back while any wait. */
    void serve() {
        List<InboundBudget.Waiter> woken;
        lock.lock();
        try {
            woken = serveLocked(null);
        } finally {
            lock.unlock();
        }
        wake(woken);
    }

    /** Room was given back by the budget itself: served now, or once the serving under way ends. */
    void roomMoved() {
        if (lock.isHeldByCurrentThread()) {
            again = true;
        } else if (waiting.get() > 0) {
            serve();
        }
    }

    /**
     * The frame of {@code waiter} ended, its connection is gone, or it is not read for another reason (then
     * room served to it would be held for as long, a review): it leaves the line, and room served to it
     * comes back.
     */
    void leave(InboundBudget.Waiter waiter) {
        if (waiting.get() == 0 && holdingServed == 0) {
            return;
        }
        Long room;
        lock.lock();
        try {
            leaveLine(waiter, false);
            room = served.remove(waiter);
            holdingServed = served.size();
        } finally {
            lock.unlock();
        }
        if (room != null) {
            budget.release(room);
        }
    }

    /** Takes {@code waiter} out of line, if in it ({@code counted}: counted in {@link #waiting} though not in line). */
    private void leaveLine(InboundBudget.Waiter waiter, boolean counted) {
        Wait w = inLine.remove(waiter);
        if (w != null) {
            out(w);
        }
        if (w != null || counted) {
            waiting.decrementAndGet();
        }
    }

    /** Puts {@code waiter} in line for {@code bytes} (new, or moved to its new place; {@code counted}: in {@link #waiting} already). */
    private void join(long bytes, long frameSize, long held, InboundBudget.Waiter waiter, boolean counted) {
        Wait w = inLine.get(waiter);
        if (w == null) {
            w = new Wait(waiter);
            w.seq = joins++;
            inLine.put(waiter, w);
            if (!counted) {
                waiting.incrementAndGet();
            }
        } else {
            out(w);
        }
        w.line = InboundBudget.shareOf(bytes, frameSize, held);
        w.bytes = bytes;
        w.frameSize = frameSize;
        w.held = held;
        lines.get(w.line).add(w);
        asks.get(w.line).merge(bytes, 1, Integer::sum);
        helds.merge(held, 1, Integer::sum);
        if (held > 0 && frameSize > InboundBudget.SMALL_FRAME) {
            started.get(w.line).add(w);
        }
    }

    /** Takes {@code w} out of its line (it stays in {@link #inLine}). */
    private void out(Wait w) {
        lines.get(w.line).remove(w);
        counted(w);
    }

    private void counted(Wait w) {
        started.get(w.line).remove(w);
        asks.get(w.line).computeIfPresent(w.bytes, (b, n) -> n == 1 ? null : n - 1);
        helds.computeIfPresent(w.held, (b, n) -> n == 1 ? null : n - 1);
    }

    /**
     * Serves each frame in line, in order, that the room now free fits: one that does not fit holds up
     * none behind it (hostile round 19 again: small calls that arrived in two reads waited seconds behind a
     * large frame's growth that did not fit). Thousands may wait (as many as a peer cares to open
     * connections for) and every release looks, so a line is looked along only while its room reaches the
     * least any frame in it asks for (or a frame in line holds all the budget holds, so is alone); and of
     * those that may take their rest past their share, only the first in order is looked at, its rest
     * being the least (see {@link InboundBudget#overdraw}).
     */
    private @Nullable List<InboundBudget.Waiter> serveLocked(@Nullable List<InboundBudget.Waiter> woken) {
        do {
            again = false;
            for (int n = 0; n < lines.size(); n++) {
                TreeSet<Wait> line = lines.get(n);
                if (budget.mayOverdraw() && !started.get(n).isEmpty()) {
                    Wait first = started.get(n).first();
                    if (budget.overdraw(first.bytes, first.frameSize, first.held, first.waiter)) {
                        line.remove(first);
                        counted(first);
                        woken = served(first, woken);
                    }
                }
                for (Iterator<Wait> it = line.iterator(); it.hasNext(); ) {
                    long room = budget.roomIn(n);
                    long used = budget.used();
                    if ((asks.get(n).isEmpty() || room < asks.get(n).firstKey()) && (helds.isEmpty() || helds.lastKey() != used)) {
                        break;
                    }
                    Wait w = it.next();
                    // Alone, a frame fits whatever its size (see InboundBudget.tryReserve).
                    if ((w.bytes <= room || w.held == used) && budget.tryReserve(w.bytes, w.frameSize, w.held)) {
                        it.remove();
                        counted(w);
                        woken = served(w, woken);
                    }
                }
            }
        } while (again);
        return woken;
    }

    /** {@code w} got what it waited for, reserved for it: out of line, and to be woken. */
    private List<InboundBudget.Waiter> served(Wait w, @Nullable List<InboundBudget.Waiter> woken) {
        inLine.remove(w.waiter);
        served.merge(w.waiter, w.bytes, Long::sum);
        // Before it leaves the count: a reader that sees none waiting sees it holds room.
        holdingServed = served.size();
        waiting.decrementAndGet();
        budget.waitedAndGotRoom(w.frameSize);
        List<InboundBudget.Waiter> list = woken == null ? new ArrayList<>() : woken;
        list.add(w.waiter);
        return list;
    }

    private static void wake(@Nullable List<InboundBudget.Waiter> woken) {
        if (woken != null) {
            for (InboundBudget.Waiter w : woken) {
                w.roomFreed();
            }
        }
    }


    /** One frame in line, and what it waits for: one object per waiting connection, its fields changed out of line. */
    private static final class Wait {
        final InboundBudget.Waiter waiter;
        /** Set (with the fields below) only while out of its line: they order it there. */
        long seq;
        /** Its share of the budget ({@link InboundBudget#shareOf}), the line it waits in. */
        int line;
        long bytes;
        long frameSize;
        long held;

        Wait(InboundBudget.Waiter waiter) {
            this.waiter = waiter;
        }
    }
}
