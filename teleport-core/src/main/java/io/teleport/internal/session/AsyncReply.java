package io.teleport.internal.session;

import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * The reply to a pull whose handler returned a {@link CompletionStage}: what the stage completes with,
 * or {@code 408} once {@link io.teleport.config.PeerConfig#asyncHandlerTimeout()} passes first; the
 * later of the two is dropped. Unbounded, a stage that never completes (a handler waiting for an event
 * that never comes) would keep its pull in the session's in-flight count for good, and enough of them
 * stop the session being read: replies to this side's own pulls there included.
 */
final class AsyncReply implements BiConsumer<Object, Throwable>, TimerTask {

    private static final AtomicIntegerFieldUpdater<AsyncReply> ANSWERED =
            AtomicIntegerFieldUpdater.newUpdater(AsyncReply.class, "answered");

    private final InboundContext pull;
    private volatile int answered;
    private volatile @Nullable Timeout deadline;

    private AsyncReply(InboundContext pull) {
        this.pull = pull;
    }

    /** Replies to {@code pull} once {@code stage} completes, or its time is up. */
    static void await(InboundContext pull, CompletionStage<?> stage) {
        AsyncReply reply = new AsyncReply(pull);
        long nanos = pull.session.peer.config.asyncHandlerTimeout().toNanos();
        // A stage done already (a cached value) needs no timer entry.
        if (nanos > 0 && !(stage instanceof Future<?> done && done.isDone())) {
            try {
                reply.deadline = pull.session.peer.timer.newTimeout(reply, nanos, TimeUnit.NANOSECONDS);
            } catch (IllegalStateException stopped) {
                // The peer's timer stopped: the peer is shutting down, and its drain bounds the wait.
            } catch (RejectedExecutionException full) {
                // An application's timer with a bound on its pending timeouts: this pull goes unbounded.
                pull.session.peer.logs.asyncTimeoutLog.record("pull " + pull.safeUri() + " from " + pull.session.id()
                        + ": no deadline, the timer refused it (" + full.getMessage() + ")");
            }
        }
        stage.whenComplete(reply);
    }

    /** The stage completed: its value or failure is the reply, unless the time was up first. */
    @Override
    public void accept(Object value, Throwable error) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return;
        }
        Timeout t = deadline;
        if (t != null) {
            t.cancel();
        }
        try {
            if (error != null) {
                pull.session.peer.errors.replyFailed(error, true, pull);
            } else {
                // Completed on an I/O thread maybe (a push's future): PullReply moves hooks that may block off it.
                pull.replyWith(value);
            }
        } catch (Throwable t2) {
            // Nothing would see it: the stage's dependants are dropped.
            PullReply.answerFailure(pull, t2);
        }
    }

    /** The time is up before the stage completed (the peer's timer thread). */
    @Override
    public void run(Timeout timeout) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return;
        }
        PeerContext peer = pull.session.peer;
        long millis = peer.config.asyncHandlerTimeout().toMillis();
        if (pull.channel.isActive()) {
            // A closed connection's pull is not counted: nobody gets its 408, and its write fails as any reply's there.
            peer.counters.asyncHandlerTimeouts.increment();
            peer.logs.asyncTimeoutLog.record("pull " + pull.safeUri() + " from " + pull.session.id() + ": its handler's "
                    + "stage did not complete within " + millis + " ms");
        }
        Rerror timedOut = new Rerror(Rerror.CODE_PULL_TIMEOUT, "Handle Timeout",
                "the handler did not complete its reply within " + millis + " ms");
        pull.outOfTime = true;
        // The reply's hooks may block: not on the thread that times out every pull of the peer.
        peer.runOnHookPool(() -> pull.reply(null, timedOut));
    }
}
