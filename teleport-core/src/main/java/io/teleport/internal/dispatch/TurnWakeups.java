package io.teleport.internal.dispatch;

import io.netty.channel.SingleThreadEventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.concurrent.RejectedExecutionException;

/**
 * Wakes the handler threads waiting on a queue once per turn of an I/O thread's event loop, for all
 * the messages the turn queued, instead of once per message.
 *
 * <p>An I/O thread that reads a dozen connections in one turn would otherwise signal a waiting
 * handler thread on its first message; that thread runs it, finds the queue empty while the loop is
 * still reading the next connection, and parks again, so every message costs a park, a wake-up and a
 * context switch. Woken at the end of the turn (Netty's tail tasks), a thread finds the turn's
 * messages queued and runs them one after another. Threads that are not waiting take the messages as
 * they are queued, as before, and a turn that queues {@link #EARLY} messages wakes threads at once,
 * so a long turn (many connections read) does not leave them idle.
 */
final class TurnWakeups {

    /** Messages a turn may queue before it wakes waiting threads without waiting for its end. */
    static final int EARLY = 16;

    private final FairQueue queue;
    /** Per I/O thread: they are single-threaded, so what a turn queued needs no synchronization. */
    private final FastThreadLocal<Turn> turns = new FastThreadLocal<>() {
        @Override
        protected Turn initialValue() {
            return new Turn(queue);
        }
    };

    TurnWakeups(FairQueue queue) {
        this.queue = queue;
    }

    /** Called on {@code loop}'s thread after a message was queued there without waking anyone. */
    void queued(SingleThreadEventLoop loop) {
        Turn turn = turns.get();
        if (++turn.pending >= EARLY) {
            turn.wake();
        }
        if (!turn.scheduled) {
            turn.scheduled = true;
            try {
                loop.executeAfterEventLoopIteration(turn);
            } catch (RejectedExecutionException shuttingDown) {
                turn.run();
            }
        }
    }

    /** What one I/O thread queued in its current turn; its own {@code run} ends the turn. */
    private static final class Turn implements Runnable {
        private final FairQueue queue;
        int pending;
        boolean scheduled;

        Turn(FairQueue queue) {
            this.queue = queue;
        }

        void wake() {
            int n = pending;
            if (n > 0) {
                pending = 0;
                queue.wake(n);
            }
        }

        @Override
        public void run() {
            scheduled = false;
            wake();
        }
    }
}
