package io.teleport.internal.session;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.teleport.codec.CodecException;
import io.teleport.codec.UnreadableTypeException;
import io.teleport.internal.dispatch.FairQueue;
import io.teleport.internal.dispatch.HandlerPool;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.log.LogText;
import io.teleport.internal.log.RefusalLog;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.proto.ErpcRawProto;
import io.teleport.router.RequestUri;
import io.teleport.router.Router;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One inbound pull or push, handled from its header to its reply: the hooks in Teleport's order,
 * routing, body decoding, the handler, and the reply. The contexts the handler and the plugins see
 * are its {@link InboundView}.
 */
public final class InboundContext extends InboundView implements HandlerPool.Queued, ChannelFutureListener {

    private static final Logger log = LoggerFactory.getLogger(InboundContext.class);
    static final Rerror NOT_FOUND = Rerror.of(Rerror.CODE_NOT_FOUND, "Not Found");

    /**
     * The connection it came on (a pull's reply goes back on it, or nowhere), and that connection's
     * gate, which gets the message's bytes back.
     */
    final io.netty.channel.Channel channel;
    private final ReadGate gate;
    /** The bytes this message holds until it is finished. */
    public final long charge;
    /** The URI as sent: replies echo it even when a header hook rewrote the request's for routing. */
    final String sentUri;
    /** How barely the reply goes, since it could not be built as it was: 0, or {@link PullReply#WITHOUT_URI} and on. */
    int replyFallback;
    /** Whether the reply's {@code PreWriteReply} hooks ran: once per pull, whatever the reply turned into. */
    boolean replyHooksRan;
    /** Whether the pull reached its handler: one answered before is a refusal, logged at a tenth of the rate. */
    boolean handlerCalled;
    /** Answered for a handler out of time: what the handler still sets on the reply (metadata, filters) is its own. */
    boolean outOfTime;
    /** 1 once {@link #finish()} ran: the paths that give up on a reply after an Error may meet the usual one. */
    private volatile int finished;
    private static final AtomicIntegerFieldUpdater<InboundContext> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(InboundContext.class, "finished");
    /** The error the reply being written carries, if any: a fallback reply, should it not be written, keeps it. */
    @Nullable Rerror answered;
    /** Started on the I/O thread, for a route that may be {@link io.teleport.router.NonBlocking}. */
    private boolean onIoThread;
    /** The header hook ran and the route is found: what is left runs from there. */
    private boolean headerRead;

    public InboundContext(DefaultSession session, Packet request, ReadGate gate, long charge) {
        super(session, request);
        this.sentUri = request.uri();
        this.channel = session.channel();
        this.gate = gate;
        this.charge = charge;
    }

    /**
     * Handles the pull or push; runs on the handler executor. A pull whose connection closed while it
     * waited is dropped: nobody would get its reply. A push is handled still, as it was received whole
     * (a sender may push a reason and close at once); the session's last PostDisconnect waits for it
     * (see ConnectionHooks). A message that waited past the queue bound is refused rather than run late.
     */
    @Override
    public void run() {
        if (request.type() == PacketType.PULL && !channel.isActive()) {
            session.peer.counters.droppedClosed.increment();
            finish();
            return;
        }
        if (InboundRefusals.ifExpired(this, startNanos)) {
            return;
        }
        if (request.type() == PacketType.PULL) {
            runPull();
        } else {
            runPush();
        }
    }

    /** Whether it is a pull (its reply to be written) rather than a push. */
    @Override
    public boolean isPull() {
        return request.type() == PacketType.PULL;
    }

    /**
     * Whether the message starts on this I/O thread rather than on the handler executor (see
     * {@link IoThreadRoutes}); it then hands itself over once its route turns out to need it.
     */
    public boolean startsOnIoThread() {
        onIoThread = IoThreadRoutes.mayStart(session.peer, request.type());
        return onIoThread;
    }

    /**
     * Hands the message to the handler executor; when the executor refuses it, a pull is answered
     * 503 and a push dropped.
     */
    public void submit() {
        try {
            session.peer.executor.execute(this);
        } catch (RejectedExecutionException | OutOfMemoryError | LinkageError e) {
            // An error too (no native thread left for a new worker): the message must still end here,
            // or its bytes would stay counted against the whole peer's inbound budget for good.
            // A reason even when the executor gave none: without one, refuse counts an expiry.
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            gate.refusingForOverload(session.awaitsNestedReplies());
            refuse(Rerror.CODE_UNAVAILABLE, "the handler executor is saturated or shut down",
                    session.peer.logs.overloadLog, why);
        }
    }

    /** With its header read on the I/O thread: whether the rest went to the executor. */
    private boolean handedOff() {
        if (!onIoThread) {
            return false;
        }
        onIoThread = false;
        if (IoThreadRoutes.stays(session.peer, route, request.type())) {
            return false;
        }
        submit();
        return true;
    }

    /**
     * Refuses a message that came past the session's in-flight limit while the connection was read on
     * for this side's replies (see {@code ReadGate.admit}); runs on the I/O thread.
     */
    public void refuseOverInflight() {
        refuse(Rerror.CODE_UNAVAILABLE, "too many messages in flight on this session", session.peer.logs.inflightLog,
                "past the session's in-flight limit while this side awaits replies on it");
    }

    /** See {@link InboundRefusals#refuse}. */
    void refuse(int code, String detail, RefusalLog refusals, @Nullable String why) {
        InboundRefusals.refuse(this, code, detail, refusals, why);
    }

    /**
     * Refuses the message if the peer is draining or the session closing (see
     * {@link InboundRefusals#ifDraining}); runs on the I/O thread, before the message is queued.
     *
     * @return whether it was refused
     */
    public boolean refuseIfDraining() {
        return InboundRefusals.ifDraining(this);
    }

    /** The message is done with: its handler slot and bytes are free. */
    void finish() {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return;
        }
        session.handlerFinished();
        gate.finished(charge, isPull());
    }

    @Override
    public long queuedNanos() {
        return startNanos;
    }

    @Override
    public FairQueue.Lane lane() {
        return session.handlerLane;
    }

    // ---------------------------------------------------------------- pull

    /** Handles a PULL to its reply. Runs on the handler executor. */
    void runPull() {
        try {
            handlePull();
        } catch (Throwable t) {
            PullReply.answerFailure(this, t);
        }
    }

    private void handlePull() {
        Rerror rerror;
        if (!headerRead) {
            rerror = session.peer.plugins.run(Hook.POST_READ_PULL_HEADER, this);
            if (rerror == null) {
                rerror = resolve(session.peer.pullRouter);
            }
            if (rerror != null) {
                reply(null, rerror);
                return;
            }
            headerRead = true;
            if (handedOff()) {
                return;
            }
        }
        rerror = scoped(Hook.PRE_READ_PULL_BODY, this);
        if (rerror == null) {
            rerror = decodeBody();
        }
        if (rerror == null) {
            rerror = scoped(Hook.POST_READ_PULL_BODY, this);
        }
        if (rerror != null) {
            reply(null, rerror);
            return;
        }
        releaseBodyBytes();
        handlerCalled = true;
        Object result = HandlerInvocation.run(this);
        if (result == HandlerInvocation.FAILED) {
            return;
        }
        if (result instanceof CompletionStage) {
            AsyncReply.await(this, (CompletionStage<?>) result);
        } else {
            replyWith(result);
        }
    }

    /** Replies with what the handler returned: a {@link Rerror} is an error reply, as in Go. */
    void replyWith(Object value) {
        if (value instanceof Rerror) {
            reply(null, session.peer.errors.answered((Rerror) value, this));
        } else {
            reply(value, null);
        }
    }

    /**
     * Drops the received bytes once the handler's argument is bound from them, so that a slow handler
     * does not hold both. Raw routes read the bytes themselves, and printed bodies need them later.
     */
    private void releaseBodyBytes() {
        if (!route.isRaw() && !session.peer.config.printBody()) {
            request.bodyBytes(null);
        }
    }

    /** Parses the (possibly rewritten) URI and finds the route; returns 400 or 404 when it cannot. */
    private @Nullable Rerror resolve(Router<?> router) {
        try {
            requestUri = RequestUri.parse(request.uri());
        } catch (IllegalArgumentException e) {
            // Teleport splices the cause into the message rather than the detail: keep its wire form;
            // erpc v6 words its 400s as "Bad Message", the cause in the detail.
            return erpc() ? new Rerror(Rerror.CODE_BAD_PACKET, "Bad Message", e.getMessage())
                    : Rerror.of(Rerror.CODE_BAD_PACKET, "Bad Packet" + e.getMessage());
        }
        route = router.lookup(requestUri.path());
        if (route == null) {
            route = router.unknown();
        }
        return route == null ? NOT_FOUND : null;
    }

    private @Nullable Rerror decodeBody() {
        if (route.isRaw()) {
            return null;
        }
        try {
            body = LargeBodyDecodes.decode(session.peer, request.bodyCodec(), request.bodyBytes(), route.bodyType());
            return null;
        } catch (UnreadableTypeException e) {
            // This side's type, not the sender's bytes: a 500, its reason in this side's log (a push's
            // error is only logged, with the message).
            if (!isPull()) {
                return new Rerror(Rerror.CODE_INTERNAL_ERROR, HandlerErrors.INTERNAL, e.getMessage());
            }
            session.peer.logs.unexpectedPullLog.record("pull " + safeUri() + " from " + session.id()
                    + ": " + e.getMessage());
            return session.peer.errors.internal(e);
        } catch (CodecException e) {
            // erpc v6 words it as its own decoder does (vector E25).
            return new Rerror(Rerror.CODE_BAD_PACKET, erpc() ? "Bad Message" : "Bad Packet",
                    session.peer.config.includeErrorMessage() ? e.getMessage() : e.publicMessage());
        }
    }

    boolean erpc() {
        return session.proto() == ErpcRawProto.INSTANCE;
    }

    /**
     * Writes the reply: the handler's value, or an error with codec 0 and no body (see
     * {@link PullReply}).
     */
    void reply(@Nullable Object value, @Nullable Rerror rerror) {
        PullReply.reply(this, value, rerror);
    }

    /** The reply's write ended (see {@link PullReply#written}). */
    @Override
    public void operationComplete(ChannelFuture future) {
        PullReply.written(this, future);
    }

    /** PostWriteReply, once for every pull this side answered or tried to (plugins pair it with PostReadPullHeader). */
    void afterReply() {
        if (!ScopedHooks.has(session.peer.plugins, route, Hook.POST_WRITE_REPLY)) {
            // Nothing to run: no task, and no hand-off to another thread when hooks would block.
            finish();
            return;
        }
        try {
            session.peer.offIoThread(ScopedHooks.blocks(session.peer.plugins, route, Hook.POST_WRITE_REPLY), () -> {
                try {
                    SessionCalls.logHookError(scoped(Hook.POST_WRITE_REPLY, this), "PostWriteReply");
                } finally {
                    finish();
                }
            });
        } catch (Throwable t) {
            // No thread to run the hooks on (out of native threads), or an inline hook's Error: the
            // message still ends.
            try {
                session.peer.logs.afterReplyLog.record("PostWriteReply of " + safeUri() + " failed", t);
            } finally {
                finish();
            }
        }
    }

    // ---------------------------------------------------------------- push

    /** Handles a PUSH. Runs on the handler executor. */
    void runPush() {
        boolean handedOff = false;
        try {
            Rerror rerror = null;
            if (!headerRead) {
                rerror = session.peer.plugins.run(Hook.POST_READ_PUSH_HEADER, this);
                if (rerror == null) {
                    rerror = resolve(session.peer.pushRouter);
                }
                if (rerror == null) {
                    headerRead = true;
                    handedOff = handedOff();
                    if (handedOff) {
                        return;
                    }
                }
            }
            if (rerror == null) {
                rerror = scoped(Hook.PRE_READ_PUSH_BODY, this);
            }
            if (rerror == null) {
                rerror = decodeBody();
            }
            if (rerror == null && (rerror = scoped(Hook.POST_READ_PUSH_BODY, this)) == null) {
                releaseBodyBytes();
            } else {
                // Pushes have no reply to carry the error: the log and a count do, bounded (a peer may send many).
                String what = safeText(rerror.toJson()) + " push " + safeUri() + " from " + session.id();
                log.debug(what);
                session.peer.logs.refusedPushLog.record(what);
                session.peer.counters.pushesDropped.increment();
                return;
            }
            Object result = HandlerInvocation.run(this);
            if (result == HandlerInvocation.FAILED) {
                return;
            }
            if (result instanceof CompletionStage) {
                ((CompletionStage<?>) result).whenComplete((v, error) -> {
                    if (error != null) {
                        session.peer.errors.pushFailed(error, true, this);
                    } else if (v instanceof Rerror) {
                        session.peer.errors.answered((Rerror) v, this);
                    }
                });
            } else if (result instanceof Rerror) {
                session.peer.errors.answered((Rerror) result, this);
            }
        } catch (Throwable t) {
            session.peer.errors.pushFailed(t, false, this);
        } finally {
            if (!handedOff) {
                session.peer.messageLog.pushHandle(session, request, startNanos);
                finish();
            }
        }
    }

    String safeUri() {
        return safeText(request.uri());
    }

    String safeText(String text) {
        return LogText.safe(text, session.peer.limits.logValueLimit());
    }

    // ---------------------------------------------------------------- shared

    <C> @Nullable Rerror scoped(Hook<?, C> hook, C context) {
        return ScopedHooks.run(session.peer.plugins, route, hook, context);
    }
}
