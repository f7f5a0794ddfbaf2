package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The handler pool's queue: each sender's tasks wait in a lane of their own, first in first out, and
 * the lanes with work take turns. A peer that keeps a hundred slow calls queued then delays another
 * peer's call by one call per lane ahead of it, not by its whole backlog, as a single line would.
 * Tasks that name no lane (the peer's own: hooks that finish a message and free its slot, completions)
 * share one, which goes before the turns: taking its turn among many busy lanes, it would free slots
 * more slowly than handlers fill them. At most {@code capacity} tasks wait in all, and past that one
 * more for each lane that had none waiting (see {@link #offer}).
 *
 * <p>Turns alone do not help a sender whose calls wait while every thread is held by the others:
 * with sixty senders keeping a blocking route's calls queued, its call waited for sixty of theirs to
 * start, about a second on 200 threads that each hold a call for two seconds. So a lane none of whose
 * tasks is running ({@link #started} and not yet {@link #ended}) queues its first task in a second turn order,
 * which goes first, except that it never goes first twice in a row while the other has work: such a
 * call starts with the first or second thread to come free, and neither order starves the other.
 *
 * <p>The turn order holds each waiting lane's first task itself, in one array of the queue's, and a
 * lane keeps only a count and, for a sender with more than one task waiting, the ones after the
 * first. A session that has one call at a time, the common case, so queues a call without storing a
 * reference into any object of its own: in a long-running server those objects are old, and under G1
 * every such store marks a card that the collector's refinement threads must scan; one card per
 * session per call cost a server at 1,000 connections about 0.5 µs per call in refinement alone.
 *
 * <p>A lane whose turn comes while the {@link ThreadReserve} does not let it start another task is
 * held aside, its first task kept, until threads come free; it goes back before the others then.
 */
public class FairQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {

    /**
     * Where one sender's tasks wait. Owned by the sender (a session keeps one for its life), so that
     * queueing looks nothing up; guarded by the queue's lock.
     */
    public static final class Lane {
        /** The sender's tasks in the queue: its first in the turn order, the others in {@link #backlog}. */
        private int waiting;
        /** The tasks after the first; made when this sender first has two waiting at once, then kept. */
        private @Nullable ArrayDeque<Runnable> backlog;
        /**
         * The sender's tasks taken from the queue and not yet ended. Changed with atomic updates (a
         * task ends outside the lock); a primitive, so no card is marked in this old object.
         */
        volatile int running;

        /** One more of the sender's tasks runs (outside the queue: virtual threads); how many run now. */
        int started() {
            return RUNNING.incrementAndGet(this);
        }

        /** One of them {@link #started} has ended. */
        void ended() {
            RUNNING.decrementAndGet(this);
        }
    }

    private static final AtomicIntegerFieldUpdater<Lane> RUNNING =
            AtomicIntegerFieldUpdater.newUpdater(Lane.class, "running");

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Lane shared = new Lane();
    // Guarded by lock: the tasks of no sender, taken before the turns.
    private final ArrayDeque<Runnable> sharedTasks = new ArrayDeque<>();
    private final ThreadReserve reserve;
    // Guarded by lock: the first task of each lane with work.
    private final TurnOrder order;
    /** Written under the lock; read without it, since the pool asks whether it is empty on every task. */
    private volatile int count;

    /** A queue for a pool of at most {@code threads} threads (see {@link ThreadReserve}). */
    FairQueue(int capacity, int threads) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.reserve = new ThreadReserve(threads);
        this.order = new TurnOrder(reserve);
    }

    private Lane laneOf(Object task) {
        if (task instanceof HandlerPool.Queued) {
            Lane lane = ((HandlerPool.Queued) task).lane();
            if (lane != null) {
                return lane;
            }
        }
        return shared;
    }

    @Override
    public boolean offer(Runnable task) {
        return enqueue(task, true);
    }

    /**
     * Queues the task without waking a waiting taker: the caller {@link #wake}s them later, once for
     * several tasks (see {@link TurnWakeups}). Takers that are not waiting find it as usual.
     */
    boolean offerQuietly(Runnable task) {
        return enqueue(task, false);
    }

    /** Wakes up to {@code n} waiting takers. */
    void wake(int n) {
        lock.lock();
        try {
            for (int i = 0; i < n && lock.hasWaiters(notEmpty); i++) {
                notEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean enqueue(Runnable task, boolean signal) {
        Lane lane = laneOf(task);
        lock.lock();
        try {
            if (count >= capacity && (lane == shared || lane.waiting > 0)) {
                // Full: refused to the senders that fill it. A sender with nothing waiting still gets
                // its one place, so that a quiet peer's call is queued in its turn rather than refused
                // for the backlogs of others; such places are one per lane, bounded as sessions are.
                return false;
            }
            if (lane == shared) {
                sharedTasks.addLast(task);
            } else if (lane.waiting == 0) {
                order.addFirstOfLane(task, lane.running == 0);
                lane.waiting = 1;
            } else {
                ArrayDeque<Runnable> backlog = lane.backlog;
                if (backlog == null) {
                    // Kept once made: a sender that pipelines calls would otherwise allocate one per burst.
                    backlog = lane.backlog = new ArrayDeque<>(4);
                }
                backlog.addLast(task);
                lane.waiting++;
            }
            count++;
            if (signal) {
                notEmpty.signal();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the first task of the lane whose turn it is; the lane's next task, if any, goes to the back
     * of the turns of lanes with a task running, as this lane is about to have.
     */
    private @Nullable Runnable dequeue() {
        Runnable task = sharedTasks.pollFirst();
        if (task == null) {
            task = order.poll();
            if (task == null) {
                return null;
            }
            Lane lane = laneOf(task);
            if (--lane.waiting > 0) {
                order.addNextOfLane(lane.backlog.pollFirst());
            }
        }
        count--;
        return task;
    }

    /**
     * Whether the task's sender may start another task now (see {@link ThreadReserve}): if not, the
     * task must wait in the queue rather than start on a thread of its own.
     */
    boolean mayStartNow(Runnable task) {
        Lane lane = laneOf(task);
        return lane == shared || reserve.admits(lane.running);
    }

    /**
     * Tells the queue that a task starts running, whether it was taken from the queue or handed to a
     * new thread directly (the pool's first tasks, and those past a full queue): its lane counts it
     * until {@link #ended}.
     */
    void started(Runnable task) {
        Lane lane = laneOf(task);
        if (lane != shared) {
            lane.started();
            reserve.started();
        }
    }

    /** Tells the queue that a task {@link #started} has ended (run or failed). */
    void ended(Runnable task) {
        Lane lane = laneOf(task);
        if (lane != shared) {
            lane.ended();
            reserve.ended();
        }
    }

    /**
     * When the longest-waiting of the tasks that are next in turn was queued, {@link HandlerPool.Queued#queuedNanos()};
     * {@code fallback} when none of them says. Not {@link #peek()}'s: the task taken next may be one
     * just queued by a sender with nothing running, while backlogs wait behind it.
     */
    long oldestQueuedNanos(long fallback) {
        lock.lock();
        try {
            long oldest = fallback;
            boolean any = false;
            Runnable[] heads = order.heads();
            for (Runnable head : new Runnable[] {sharedTasks.peekFirst(), heads[0], heads[1]}) {
                if (head instanceof HandlerPool.Queued queued && (!any || queued.queuedNanos() - oldest < 0)) {
                    oldest = queued.queuedNanos();
                    any = true;
                }
            }
            return oldest;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable Runnable poll() {
        lock.lock();
        try {
            return dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            Runnable task;
            while ((task = dequeue()) == null) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return task;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Runnable task;
            while ((task = dequeue()) == null) {
                notEmpty.await();
            }
            return task;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable Runnable peek() {
        lock.lock();
        try {
            Runnable first = sharedTasks.peekFirst();
            if (first != null) {
                return first;
            }
            return order.peek();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(Runnable task) throws InterruptedException {
        // The pool never waits for room: a full queue is a refusal (503), not a blocked I/O thread.
        if (!offer(task)) {
            throw new IllegalStateException("queue full (" + capacity + " tasks)");
        }
    }

    @Override
    public boolean offer(Runnable task, long timeout, TimeUnit unit) {
        return offer(task);
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public int remainingCapacity() {
        return Math.max(0, capacity - size());
    }

    /**
     * Removes a waiting task. A lane's first task gives its place in the turn order to the lane's
     * next, so removing does not send the sender to the back.
     */
    @Override
    public boolean remove(Object o) {
        if (!(o instanceof Runnable)) {
            return false;
        }
        Lane lane = laneOf(o);
        lock.lock();
        try {
            if (lane == shared) {
                if (!sharedTasks.removeFirstOccurrence(o)) {
                    return false;
                }
            } else {
                if (lane.waiting == 0) {
                    return false;
                }
                // The lane's first task first, as a lane's own deque would be searched.
                ArrayDeque<Runnable> backlog = lane.backlog;
                Runnable next = lane.waiting > 1 ? backlog.peekFirst() : null;
                if (order.replace(lane, o, next)) {
                    if (next != null) {
                        backlog.pollFirst();
                    }
                } else if (backlog == null || !backlog.removeFirstOccurrence(o)) {
                    return false;
                }
                lane.waiting--;
            }
            count--;
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int drainTo(Collection<? super Runnable> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super Runnable> c, int maxElements) {
        lock.lock();
        try {
            int n = 0;
            Runnable task;
            while (n < maxElements && (task = dequeue()) != null) {
                c.add(task);
                n++;
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** A snapshot, lane by lane; removing through it removes from the queue. */
    @Override
    public Iterator<Runnable> iterator() {
        List<Runnable> snapshot = new ArrayList<>();
        lock.lock();
        try {
            snapshot.addAll(sharedTasks);
            for (ArrayDeque<Runnable> turns : order.orders()) {
                for (Runnable first : turns) {
                    snapshot.add(first);
                    ArrayDeque<Runnable> backlog = laneOf(first).backlog;
                    if (backlog != null) {
                        snapshot.addAll(backlog);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return new SnapshotIterator(snapshot, this::remove);
    }
}
