package io.teleport.internal.session;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.teleport.codec.CodecException;
import io.teleport.message.Meta;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.plugin.PluginChain;
import io.teleport.plugin.ReadContext;
import io.teleport.plugin.WriteContext;
import io.teleport.router.Route;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A pull waiting for its reply. Whoever removes it from the session's pending map (the reply, the
 * timer, a failed write or the closing connection) completes it, so it completes exactly once. It is
 * also what the pull's write and reply-read hooks see, and what {@code PostPullEnd} sees once it ends:
 * then a pull that ended without a usable reply shows one made here, carrying its error, and is
 * logged with it, so that every outcome is timed, counted and logged once.
 */
public final class PendingPull implements ChannelFutureListener, WriteContext, ReadContext {

    private static final AtomicIntegerFieldUpdater<PendingPull> WRITE_DECIDED =
            AtomicIntegerFieldUpdater.newUpdater(PendingPull.class, "writeDecided");

    final DefaultSession session;
    final Packet request;
    private final Type replyType;
    private final boolean sync;
    private final boolean wholeReply;
    /** The seq this pull was sent with. */
    final long seq;
    /** Completed with the reply's body, or with the whole {@link Reply} when that was asked for. */
    final CompletableFuture<@Nullable Object> future = new CompletableFuture<>();
    /** The delay its session's timeout is armed with for it: centuries cut to decades, to compare deadlines. */
    final long timeoutNanos;
    private final long startNanos = System.nanoTime();
    /**
     * When the pull times out ({@link System#nanoTime()}), counted from its {@link #register}, as its
     * own timer entry was: its session's one timeout looks at it then (see {@link PendingCalls}).
     * Written before the pull is published to the pending calls, whose readers see it through them.
     */
    long deadlineNanos;
    /** 1 once the pull was handed to a connection, or its timeout gave up waiting for one: the first decides. */
    private volatile int writeDecided;
    /** The connection its write was handed to, once claimed for one; null when claimed for its end. */
    volatile io.netty.channel.@Nullable Channel handedTo;
    /** The frame while it waits for a redial; null unless the session was redialing when it was sent. */
    private volatile @Nullable HeldFrame held;
    /** The connection it was written on; set and read on that connection's I/O thread. */
    io.netty.channel.@Nullable Channel sentOn;
    /** Its place in its session's order of writes ({@link RemoteDrain#wrote}), once written; same thread. */
    long writeOrder;
    private @Nullable Packet reply;
    private @Nullable Object body;
    /** Set by the first {@link #end}: a hook that threw past the chain must not end the pull again. */
    private boolean ended;
    /** Made by a handler of its session (see {@link NestedCalls}): counted there until it ends. */
    private boolean nested;
    /** Set, before they run, when the pull has PostWritePull hooks: its reply may overtake them. */
    private volatile @Nullable ReplyAfterHooks afterHooks;

    PendingPull(DefaultSession session, Packet request, Type replyType, boolean sync, boolean wholeReply,
            long timeoutNanos) {
        this.session = session;
        this.request = request;
        this.seq = request.seq();
        this.replyType = replyType;
        this.sync = sync;
        this.wholeReply = wholeReply;
        this.timeoutNanos = Math.min(timeoutNanos, Long.MAX_VALUE >> 2);
    }

    /** The seq boxed, for the pending map: only a pull sent while another waits goes there. */
    Long key() {
        return seq;
    }

    /**
     * Adds the pull to its session's pending calls, whose timer then watches its deadline; returns
     * false when the pull already ended (closed, or the timer is stopped or refused it).
     */
    boolean register() {
        deadlineNanos = System.nanoTime() + timeoutNanos;
        try {
            String full = session.addPending(this);
            if (full != null) {
                session.peer.counters.pendingPulls.logRefused(io.teleport.internal.log.LogText.safe(request.uri(),
                        session.peer.limits.logValueLimit()) + " on " + session.id() + ": " + full);
                fail(new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", "not sent: " + full));
                return false;
            }
        } catch (IllegalStateException stopped) {
            if (session.removePending(this)) {
                fail(CallErrors.CONNECTION_CLOSED);
            }
            return false;
        } catch (RejectedExecutionException refused) {
            // A timer of the application's with a bound on pending timeouts: a pull that could wait
            // forever is not sent.
            if (session.removePending(this)) {
                fail(new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed",
                        "not sent: the timer refused the pull's timeout (" + refused.getMessage() + ")"));
            }
            return false;
        }
        // Ended between registration and arming (the connection closed): the timeout finds it gone.
        return session.pending.contains(this);
    }

    /** The write finished. */
    @Override
    public void operationComplete(ChannelFuture f) {
        if (f.isSuccess()) {
            sentOn = f.channel();
            writeOrder = session.pending.remoteDrain.wrote();
            PluginChain plugins = session.peer.plugins;
            if (plugins.has(Hook.POST_WRITE_PULL)) {
                ReplyAfterHooks after = new ReplyAfterHooks();
                afterHooks = after;
                session.peer.offIoThread(plugins.blocks(Hook.POST_WRITE_PULL), () -> {
                    SessionCalls.logHookError(plugins.run(Hook.POST_WRITE_PULL, this), "PostWritePull");
                    Packet early = after.hooksDone();
                    if (early != null) {
                        onReply(early);
                        Runnable release = after.keptReplyRead();
                        if (release != null) {
                            release.run();
                        }
                    }
                });
            }
        } else if (session.removePending(this)) {
            fail(CallErrors.writeFailed(f.cause(), f.channel()));
        }
    }

    /** The timeout passed: the session's timer found the deadline behind it. */
    void timedOut() {
        endUntimed(null);
    }

    /** The timer refused to time the session's pulls ({@code why}): ended now rather than never. */
    void timerRefused(@Nullable String why) {
        endUntimed("the timer refused to time the pull (" + why + ")");
    }

    private void endUntimed(@Nullable String refusal) {
        if (session.removePending(this)) {
            // Not written yet, waiting for the redial: the caller must know it was never sent.
            boolean unsent = claimWrite(null);
            HeldFrame frame = held;
            if (unsent && frame != null) {
                frame.drop();
            }
            fail(untimely(unsent, frame != null, refusal));
        }
    }

    private Rerror untimely(boolean unsent, boolean wasHeld, @Nullable String refusal) {
        long millis = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        if (!unsent) {
            // Held for a redial, then sent: part of the time went to reconnecting, not to the remote (trial 18).
            return new Rerror(Rerror.CODE_PULL_TIMEOUT, "Pull Timeout", refusal != null ? refusal
                    : "no reply to " + request.uri() + " within " + millis + " ms" + (wasHeld
                            ? " (sent only once the session had reconnected, which took part of that time)" : ""));
        }
        if (refusal != null) {
            return new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", "not sent: " + refusal);
        }
        return new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", wasHeld
                ? "not sent: the session was still reconnecting when the pull's timeout of " + millis + " ms passed"
                : "not sent before the pull's timeout of " + millis + " ms");
    }

    /** Claims the pull for its write, handed {@code to} a connection, or (null) for its end unsent; false if taken. */
    boolean claimWrite(io.netty.channel.@Nullable Channel to) {
        if (!WRITE_DECIDED.compareAndSet(this, 0, 1)) {
            return false;
        }
        handedTo = to;
        return true;
    }

    /** The pull's frame waits for a redial: its timeout frees it if it comes first. */
    void holding(HeldFrame frame) {
        held = frame;
    }

    /**
     * The reply arrived; this pull was already removed from the pending map. Runs the reply-read
     * hooks, decodes the body and completes.
     *
     * @return true when the reply overtook the pull's own PostWritePull hooks and is kept to be read
     *     after them: its bytes go back through {@link #releaseAfterRead}, not at once
     */
    public boolean onReply(Packet reply) {
        ReplyAfterHooks after = afterHooks;
        if (after != null && after.keep(reply)) {
            return true;
        }
        try {
            readReply(reply);
        } catch (Throwable t) {
            // Whatever failed, this pull left the pending map: it must still end.
            fail(new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet", "reply: " + t));
        }
        return false;
    }

    /**
     * Gives a kept reply's bytes back once it has been read (at once if it has): held until then, as
     * the other side chose how large it is.
     */
    public void releaseAfterRead(Runnable release) {
        ReplyAfterHooks after = afterHooks;
        if (after == null || !after.holdRelease(release)) {
            release.run();
        }
    }

    private void readReply(Packet reply) {
        this.reply = reply;
        PluginChain plugins = session.peer.plugins;
        Rerror rerror = plugins.run(Hook.POST_READ_REPLY_HEADER, this);
        if (rerror == null) {
            rerror = plugins.run(Hook.PRE_READ_REPLY_BODY, this);
        }
        if (rerror != null) {
            fail(rerror);
            return;
        }
        rerror = Rerror.fromMeta(reply.hasMeta() ? reply.meta() : null);
        if (rerror != null) {
            // The remote's own error reply: the caller gets it as it came.
            session.pending.remoteDrain.replied(rerror, reply, sentOn);
            end(null, rerror, reply);
            return;
        }
        try {
            body = LargeBodyDecodes.decode(session.peer, reply.bodyCodec(), reply.bodyBytes(), replyType);
        } catch (CodecException e) {
            fail(new Rerror(Rerror.CODE_BAD_PACKET, "Bad Packet", "reply body: " + e.getMessage()));
            return;
        }
        rerror = plugins.run(Hook.POST_READ_REPLY_BODY, this);
        if (rerror != null) {
            fail(rerror);
            return;
        }
        end(wholeReply ? new Reply<>(body, reply.hasMeta() ? reply.meta() : new Meta(), reply.bodyCodec()) : body,
                null, reply);
    }

    /** Ends the pull with an error of this side's, shown to {@code PostPullEnd} as a reply made here. */
    void fail(Rerror rerror) {
        end(null, rerror, null, false);
    }

    /**
     * Ends a pull whose body could not be encoded, on its caller's thread, before that is thrown to
     * it: hooks that may block run right here, so that they have seen the pull before its caller
     * learns it, unless a Netty executor (this peer's or another's) owns the thread. A refusal that
     * completes the future instead completes it after the hooks wherever they run.
     */
    void failThrown(Rerror rerror) {
        end(null, rerror, null, io.netty.util.internal.ThreadExecutorMap.currentExecutor() == null);
    }

    /** Counts the pull as made by a handler of its session, until it ends. */
    void countNested() {
        nested = true;
        session.pending.nestedStarted();
    }

    /**
     * The one way a pull ends: the {@code PostPullEnd} hooks see {@code shown}, the reply as the caller
     * gets it ({@code null}: one made here, carrying {@code rerror}), then the caller gets the outcome.
     * Every pull is logged here, once, with the status its caller gets: a reply read from the wire
     * keeps its sizes, one that failed on this side carries this side's error.
     */
    private void end(@Nullable Object value, @Nullable Rerror rerror, @Nullable Packet shown) {
        end(value, rerror, shown, false);
    }

    /** {@link #end(Object, Rerror, Packet)}; {@code hooksHere}: hooks that may block run on this thread. */
    private void end(@Nullable Object value, @Nullable Rerror rerror, @Nullable Packet shown, boolean hooksHere) {
        if (ended) {
            return;
        }
        ended = true;
        if (nested) {
            session.pending.nestedEnded();
        }
        Packet seen = shown;
        if (seen == null) {
            seen = new Packet(PacketType.REPLY, request.seq(), request.uri(), null);
            Objects.requireNonNull(rerror, "rerror").writeTo(seen.meta());
            if (reply != null) {
                // A reply came but failed here (its body, a hook): the log says what the caller got.
                rerror.writeTo(reply.meta());
            }
        }
        session.peer.messageLog.pullLaunch(session, request, reply != null ? reply : seen,
                startNanos);
        // Told apart for callers that must know whether the remote handled the pull (a retry).
        RerrorException error = rerror == null ? null : shown != null ? RerrorException.replied(rerror) : rerror.toException();
        PluginChain plugins = session.peer.plugins;
        if (!plugins.has(Hook.POST_PULL_END)) {
            deliver(value, error);
            return;
        }
        reply = seen;
        if (plugins.blocks(Hook.POST_PULL_END) && !session.peer.inline && !hooksHere) {
            // Plugins that may block never run on the I/O thread or the timer's.
            session.peer.runBlocking(() -> {
                try {
                    plugins.run(Hook.POST_PULL_END, this);
                } finally {
                    complete(value, error);
                }
            });
        } else {
            try {
                plugins.run(Hook.POST_PULL_END, this);
            } finally {
                deliver(value, error);
            }
        }
    }

    /**
     * Completes the future. A blocked caller is only woken up, so that happens here; callbacks of an
     * asynchronous caller are user code, which must not run on an I/O thread unless handlers run
     * inline anyway. (Whether callbacks are attached yet cannot be told without a race: one attached
     * just after the look would run here.)
     */
    private void deliver(@Nullable Object value, @Nullable RerrorException error) {
        if (sync || session.peer.inline) {
            complete(value, error);
            return;
        }
        session.peer.runBlocking(() -> complete(value, error));
    }

    private void complete(@Nullable Object value, @Nullable RerrorException error) {
        if (error == null) {
            future.complete(value);
        } else {
            future.completeExceptionally(error);
        }
    }

    // WriteContext (the pull) and ReadContext (its reply)

    @Override
    public Session session() {
        return session;
    }

    @Override
    public Packet output() {
        return request;
    }

    /**
     * The reply, in the reply hooks, which see this as a {@link ReadContext}: it is set before they run.
     * Before, in the pull's write hooks, null, as {@link WriteContext#input()} allows; one object cannot
     * declare both, so the declaration is the read side's.
     */
    @Override
    public Packet input() {
        return reply;
    }

    @Override
    public @Nullable Route route() {
        return null;
    }

    @Override
    public @Nullable Object body() {
        return body;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }
}
