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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The handler pool's queue: each sender's tasks wait in a lane of their own, first in first out, and
 * the lanes with work take turns. A peer that keeps a hundred slow calls queued then delays another
 * peer's call by one call per lane ahead of it, not by its whole backlog, as a single line would.
 * Tasks that name no lane (the peer's own: hooks that finish a message and free its slot, completions)
 * share one, which goes before the turns: taking its turn among many busy lanes, it would free slots
 * more slowly than handlers fill them. At most {@code capacity} tasks wait in all.
 */
public class FairQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {

    /**
     * Where one sender's tasks wait. Owned by the sender (a session keeps one for its life), so that
     * queueing looks nothing up; guarded by the queue's lock.
     */
    public static final class Lane {
        private @Nullable ArrayDeque<Runnable> tasks;
        /** The next lane in the turn order, while this one is in it. */
        private @Nullable Lane next;
        private boolean queued;
    }

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Lane shared = new Lane();
    // Guarded by lock: the lanes with work, in turn order.
    private @Nullable Lane head;
    private @Nullable Lane tail;
    /** Written under the lock; read without it, since the pool asks whether it is empty on every task. */
    private volatile int count;

    FairQueue(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
    }

    private Lane laneOf(Runnable task) {
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
            if (count >= capacity) {
                return false;
            }
            ArrayDeque<Runnable> tasks = lane.tasks;
            if (tasks == null) {
                // Made on the lane's first task and kept: a session that calls once at a time
                // would otherwise allocate one per call.
                tasks = lane.tasks = new ArrayDeque<>(4);
            }
            tasks.addLast(task);
            if (!lane.queued && lane != shared) {
                append(lane);
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

    private void append(Lane lane) {
        lane.queued = true;
        lane.next = null;
        if (tail == null) {
            head = lane;
        } else {
            tail.next = lane;
        }
        tail = lane;
    }

    /** Takes the first task of the lane whose turn it is, which goes to the back if it has more. */
    private @Nullable Runnable dequeue() {
        ArrayDeque<Runnable> first = shared.tasks;
        if (first != null && !first.isEmpty()) {
            count--;
            return first.pollFirst();
        }
        Lane lane = head;
        if (lane == null) {
            return null;
        }
        head = lane.next;
        if (head == null) {
            tail = null;
        }
        lane.queued = false;
        lane.next = null;
        ArrayDeque<Runnable> tasks = lane.tasks;
        Runnable task = tasks.pollFirst();
        if (!tasks.isEmpty()) {
            append(lane);
        }
        count--;
        return task;
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
            while (count == 0) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            return dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Runnable take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count == 0) {
                notEmpty.await();
            }
            return dequeue();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public @Nullable Runnable peek() {
        lock.lock();
        try {
            ArrayDeque<Runnable> first = shared.tasks;
            if (first != null && !first.isEmpty()) {
                return first.peekFirst();
            }
            return head == null ? null : head.tasks.peekFirst();
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
        return capacity - size();
    }

    @Override
    public boolean remove(Object o) {
        if (!(o instanceof Runnable)) {
            return false;
        }
        Lane lane = laneOf((Runnable) o);
        lock.lock();
        try {
            ArrayDeque<Runnable> tasks = lane.tasks;
            if (tasks == null || !tasks.removeFirstOccurrence(o)) {
                return false;
            }
            count--;
            if (tasks.isEmpty() && lane != shared) {
                unlink(lane);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes an emptied lane out of the turn order. */
    private void unlink(Lane lane) {
        Lane previous = null;
        for (Lane l = head; l != null; previous = l, l = l.next) {
            if (l == lane) {
                if (previous == null) {
                    head = l.next;
                } else {
                    previous.next = l.next;
                }
                if (tail == l) {
                    tail = previous;
                }
                l.next = null;
                l.queued = false;
                return;
            }
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

    /** A snapshot, in the order of taking lane by lane; removing through it removes from the queue. */
    @Override
    public Iterator<Runnable> iterator() {
        List<Runnable> snapshot = new ArrayList<>();
        lock.lock();
        try {
            if (shared.tasks != null) {
                snapshot.addAll(shared.tasks);
            }
            for (Lane l = head; l != null; l = l.next) {
                snapshot.addAll(l.tasks);
            }
        } finally {
            lock.unlock();
        }
        Iterator<Runnable> it = snapshot.iterator();
        return new Iterator<>() {
            private @Nullable Runnable last;

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Runnable next() {
                last = it.next();
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                FairQueue.this.remove(last);
                last = null;
            }
        };
    }
}
