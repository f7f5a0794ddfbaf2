package io.teleport.internal.session;

import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionStage;
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

    private static final Logger log = LoggerFactory.getLogger(AsyncReply.class);
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
        // Registered first: a stage done already (a cached value, a minimal stage, which cannot even be
        // asked whether it is done) answers here and needs no timer entry.
        stage.whenComplete(reply);
        long nanos = pull.session.peer.config.asyncHandlerTimeout().toNanos();
        if (nanos <= 0 || reply.answered != 0) {
            return;
        }
        try {
            Timeout t = pull.session.peer.timer.newTimeout(reply, nanos, TimeUnit.NANOSECONDS);
            reply.deadline = t;
            if (reply.answered != 0) {
                // Completed while the entry was made: accept() found no deadline to cancel.
                t.cancel();
            }
        } catch (IllegalStateException stopped) {
            // The peer's timer stopped: the peer is shutting down, and its drain bounds the wait.
        } catch (RejectedExecutionException full) {
            // An application's timer with a bound on its pending timeouts: this pull goes unbounded.
            pull.session.peer.logs.noDeadlineLog.record("pull " + pull.safeUri() + " from " + pull.session.id()
                    + ": " + full.getMessage());
        }
    }

    /** The stage completed: its value or failure is the reply, unless the time was up first. */
    @Override
    public void accept(Object value, Throwable error) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            if (error != null) {
                log.debug("pull {} from {}: its handler failed after its 408", pull.safeUri(), pull.session.id(), error);
            }
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
