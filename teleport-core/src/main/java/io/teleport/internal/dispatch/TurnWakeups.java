package io.teleport.internal.dispatch;

import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.RejectedExecutionException;

/**
 * Wakes the handler threads waiting on a queue once for all the messages an I/O thread queued while
 * it read what was ready, instead of once per message.
 *
 * <p>An I/O thread that reads a dozen connections in one pass would otherwise signal a waiting
 * handler thread on its first message; that thread runs it, finds the queue empty while the loop is
 * still reading the next connection, and parks again, so every message costs a park, a wake-up and a
 * context switch. Here the first message queued also queues a task on the I/O thread itself, which
 * wakes as many waiting threads as messages were queued: at the end of the event loop's turn (its
 * read pass and the tasks it runs after it; Netty's tail tasks), or, on a single-threaded executor
 * without turns, once the task that queued is done.
 * Threads that are not waiting take the messages as they are queued, as before, and once
 * {@link #EARLY} messages are queued the threads are woken at once, so a long pass (many connections
 * read) does not leave them idle. The cost: while every handler thread is parked, up to
 * {@code EARLY - 1} messages may wait for the rest of the turn (writes and other tasks of the loop).
 */
final class TurnWakeups {

    /** Messages an I/O thread may queue before it wakes waiting threads without waiting for its task. */
    static final int EARLY = 16;

    /**
     * Per I/O thread, shared by every pool: a thread queues for one pool at a time (a peer's), and one
     * that switches pools wakes the previous one's at once. Never refers to a pool past its task.
     */
    private static final FastThreadLocal<Turn> TURNS = new FastThreadLocal<>() {
        @Override
        protected Turn initialValue() {
            return new Turn();
        }
    };

    private TurnWakeups() {
    }

    /**
     * Called on {@code loop}'s own thread after a message was queued on {@code queue} without waking
     * anyone; makes sure waiting threads are woken for it.
     */
    static void queued(FairQueue queue, SingleThreadEventExecutor loop) {
        Turn turn = TURNS.get();
        if (turn.queue != queue) {
            turn.wake();
            turn.queue = queue;
        }
        if (++turn.pending >= EARLY) {
            turn.wake();
        }
        if (!turn.scheduled) {
            turn.scheduled = true;
            try {
                if (loop instanceof SingleThreadIoEventLoop) {
                    // At the end of the loop's turn, after the read pass and the tasks that came with it.
                    ((SingleThreadIoEventLoop) loop).executeAfterEventLoopIteration(turn);
                } else {
                    // A loop without I/O turns (a user's DefaultEventLoop) runs no tail tasks: next in line.
                    loop.execute(turn);
                }
            } catch (RejectedExecutionException | OutOfMemoryError shuttingDownOrNoMemory) {
                // The task is queued already: its wake-up may not be lost, nor may the caller see it fail.
                turn.run();
            }
        }
    }

    /** What one I/O thread queued since its task last ran; the task is its {@code run}. */
    private static final class Turn implements Runnable {
        /** The pool's queue the pending messages are on; null between turns. */
        @Nullable FairQueue queue;
        int pending;
        boolean scheduled;

        void wake() {
            int n = pending;
            FairQueue q = queue;
            if (n > 0 && q != null) {
                pending = 0;
                q.wake(n);
            }
        }

        @Override
        public void run() {
            scheduled = false;
            wake();
            queue = null;
        }
    }
}
