package io.teleport.internal.session;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
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
 * stop the session being read: replies to this side's own pulls there included. A pull whose connection
 * closes first ends then: nobody can get its reply, and what it holds of the peer's inbound budget must
 * not wait for the deadline (hostile round 12: four connections of 128 such pulls of 100 KB, closed at
 * once, held the budget for a minute and stalled every other client).
 */
final class AsyncReply implements BiConsumer<Object, Throwable>, TimerTask, ChannelFutureListener {

    private static final Logger log = LoggerFactory.getLogger(AsyncReply.class);
    private static final AtomicIntegerFieldUpdater<AsyncReply> ANSWERED =
            AtomicIntegerFieldUpdater.newUpdater(AsyncReply.class, "answered");

    /** Never sent: what the reply's hooks, the message log and the metrics see of a pull whose connection closed. */
    private static final Rerror CLOSED = new Rerror(Rerror.CODE_CONNECTION_CLOSED, "Connection Closed",
            "the connection closed before the handler's stage completed");

    private final InboundContext pull;
    private volatile int answered;
    private volatile @Nullable Timeout deadline;
    private volatile boolean listening;

    private AsyncReply(InboundContext pull) {
        this.pull = pull;
    }

    /** Replies to {@code pull} once {@code stage} completes, or its time is up. */
    static void await(InboundContext pull, CompletionStage<?> stage) {
        AsyncReply reply = new AsyncReply(pull);
        // Registered first: a stage done already (a cached value, a minimal stage, which cannot even be
        // asked whether it is done) answers here and needs no timer entry nor a close listener.
        stage.whenComplete(reply);
        if (reply.answered != 0) {
            return;
        }
        reply.listening = true;
        pull.channel.closeFuture().addListener(reply);
        long nanos = pull.session.peer.config.asyncHandlerTimeout().toNanos();
        if (nanos > 0) {
            try {
                reply.deadline = pull.session.peer.timer.newTimeout(reply, nanos, TimeUnit.NANOSECONDS);
            } catch (IllegalStateException stopped) {
                // The peer's timer stopped: the peer is shutting down, and its drain bounds the wait.
            } catch (RejectedExecutionException full) {
                // An application's timer with a bound on its pending timeouts: this pull goes unbounded.
                pull.session.peer.logs.noDeadlineLog.record("pull " + pull.safeUri() + " from " + pull.session.id()
                        + ": " + full.getMessage());
            }
        }
        if (reply.answered != 0) {
            // Answered while the entry and the listener were made: the answer found them not all there yet.
            reply.release();
        }
    }

    /** The deadline and the close listener are not needed any more. */
    private void release() {
        Timeout t = deadline;
        if (t != null) {
            t.cancel();
        }
        if (listening) {
            pull.channel.closeFuture().removeListener(this);
        }
    }

    /** The stage completed: its value or failure is the reply, unless the time was up first. */
    @Override
    public void accept(Object value, Throwable error) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            if (error != null) {
                log.debug("pull {} from {}: its handler failed after the pull ended", pull.safeUri(), pull.session.id(), error);
            }
            return;
        }
        release();
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

    /** The pull's connection closed before the stage completed: it ends now, unanswered (its I/O thread). */
    @Override
    public void operationComplete(ChannelFuture closed) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return;
        }
        Timeout t = deadline;
        if (t != null) {
            t.cancel();
        }
        pull.outOfTime = true;
        // Through the reply's way (its hooks, off this thread when they may block), whose write fails here.
        pull.reply(null, CLOSED);
    }

    /** The time is up before the stage completed (the peer's timer thread). */
    @Override
    public void run(Timeout timeout) {
        if (!ANSWERED.compareAndSet(this, 0, 1)) {
            return;
        }
        if (listening) {
            pull.channel.closeFuture().removeListener(this);
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
