package io.teleport.internal.dispatch;

import org.jspecify.annotations.Nullable;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Which sender's task a {@link FairQueue} hands out next: the first task of each sender with work,
 * in one of three orders. Senders with nothing running go first, but never twice in a row while the
 * others have work (see {@link FairQueue}); senders whose turn came while the {@link ThreadReserve}
 * would not let them start another are held aside, and go back to the front of the turns once it
 * would. Guarded by the queue's lock.
 */
final class TurnOrder {

    // The first task of each lane with work and a task running, in turn order.
    private final ArrayDeque<Runnable> turns = new ArrayDeque<>();
    // The first task of each lane with work and none running, in turn order.
    private final ArrayDeque<Runnable> idleTurns = new ArrayDeque<>();
    // The first task of each lane with work that the reserve held back, in turn order.
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    // Whether the last task taken came from idleTurns while turns had work.
    private boolean busyPassedOver;
    private final ThreadReserve reserve;

    TurnOrder(ThreadReserve reserve) {
        this.reserve = reserve;
    }

    /** The lane of a task in the turns: only tasks that name one are. */
    static FairQueue.Lane laneOf(Runnable task) {
        return ((HandlerPool.Queued) task).lane();
    }

    /** Queues the first task of a lane that had none waiting. */
    void addFirstOfLane(Runnable task, boolean laneRunsNone) {
        (laneRunsNone ? idleTurns : turns).addLast(task);
    }

    /** Queues the next task of a lane whose task was just taken, behind the lanes with a task running. */
    void addNextOfLane(Runnable task) {
        turns.addLast(task);
    }

    /**
     * Takes the first task of the lane whose turn it is among those the reserve lets start one; null
     * when none may. A lane with nothing running always may.
     */
    @Nullable Runnable poll() {
        if (!held.isEmpty()) {
            // Back to the front of the turns, in the order they were held, those that may start now.
            for (int i = held.size(); i > 0; i--) {
                Runnable first = held.pollLast();
                (reserve.admits(laneOf(first).running) ? turns : held).addFirst(first);
            }
        }
        for (;;) {
            boolean busyWaiting = !turns.isEmpty();
            boolean idle = idleGoesFirst();
            Runnable task = idle ? idleTurns.pollFirst() : turns.pollFirst();
            if (task == null) {
                return null;
            }
            if (idle || reserve.admits(laneOf(task).running)) {
                busyPassedOver = idle && busyWaiting;
                return task;
            }
            // Looked at again on the next take: a task's end brings the thread that ran it back here.
            held.addLast(task);
        }
    }

    /** The task {@link #poll} would look at first, held lanes aside. */
    @Nullable Runnable peek() {
        return idleGoesFirst() ? idleTurns.peekFirst() : turns.peekFirst();
    }

    /** The first tasks of the two orders a task may be taken from now; held lanes wait by design. */
    Runnable[] heads() {
        return new Runnable[] {idleTurns.peekFirst(), turns.peekFirst()};
    }

    /** Every lane's first task, held ones last. */
    List<ArrayDeque<Runnable>> orders() {
        return List.of(idleTurns, turns, held);
    }

    private boolean idleGoesFirst() {
        return !idleTurns.isEmpty() && (turns.isEmpty() || !busyPassedOver);
    }

    /**
     * Puts {@code replacement} where {@code lane}'s first task is, or just takes that task out when
     * it is null, if that task is {@code task}; false when it is not.
     */
    boolean replace(FairQueue.Lane lane, Object task, @Nullable Runnable replacement) {
        return replace(turns, lane, task, replacement) || replace(idleTurns, lane, task, replacement)
                || replace(held, lane, task, replacement);
    }

    /** Goes once round the whole order: removal is rare (a pool shutting down, an iterator), turns are not. */
    private static boolean replace(ArrayDeque<Runnable> order, FairQueue.Lane lane, Object task,
            @Nullable Runnable replacement) {
        boolean found = false;
        for (int i = order.size(); i > 0; i--) {
            Runnable t = order.pollFirst();
            if (!found && laneOf(t) == lane && task.equals(t)) {
                found = true;
                if (replacement != null) {
                    order.addLast(replacement);
                }
            } else {
                order.addLast(t);
            }
        }
        return found;
    }
}
