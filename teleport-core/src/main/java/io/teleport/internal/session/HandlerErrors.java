package io.teleport.internal.session;

import io.teleport.internal.log.LogText;
import io.teleport.internal.log.LoggedThrowable;
import io.teleport.internal.log.RefusalLog;
import io.teleport.internal.log.RefusalLogs;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.ExceptionMapper;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What a handler's failure becomes: the error its caller gets and the line the log gets. Answers
 * the application chose (a {@link Rerror} returned or thrown, an exception an {@link ExceptionMapper}
 * knows) go to the caller as they are (but for the codes that tell a caller how its own call ended:
 * {@link PullReply}), and to the log as one DEBUG line; anything else is a bug, so
 * the caller gets {@code 500} without this peer's class names or messages (unless the configuration
 * includes them) and the log gets the stack, once.
 */
final class HandlerErrors {

    private static final Logger log = LoggerFactory.getLogger(InboundContext.class);
    static final String INTERNAL = "Internal Server Error";

    /** Handlers with a failure log of their own at most: past them, they share one per kind. */
    static final int MAX_HANDLER_LOGS = 256;

    private final RefusalLogs logs;
    /**
     * One failure log per handler (route), so that a second handler's bug gets its stack in the same
     * interval as the first one's; routes are the application's, never a remote's, so these are few.
     */
    private final Map<Object, RefusalLog> byHandler = new ConcurrentHashMap<>();
    private final RefusalLog failures;
    /** Apart from the pulls': a push's failure answers nobody, and must not wait behind theirs to be seen. */
    private final RefusalLog pushFailures;
    /**
     * A push's handler that answers an error (returned, thrown, mapped) answers nobody: the caller of a
     * pull learns it, the sender of a push does not, so the log says how many were dropped so.
     */
    private final RefusalLog pushAnswers;
    private final List<ExceptionMapper> mappers;
    private final boolean includeMessage;
    private final int valueLimit;

    HandlerErrors(List<ExceptionMapper> mappers, boolean includeMessage, int valueLimit, RefusalLogs logs) {
        this.logs = logs;
        this.failures = logs.open(log, "pull handlers failed with an unmapped exception (answered 500)");
        this.pushFailures = logs.open(log, "push handlers failed with an unmapped exception (pushes lost)");
        this.pushAnswers = logs.open(log, "push handlers answered an error (invalid arguments, a mapped exception), "
                + "which reaches no one");
        this.mappers = List.copyOf(mappers);
        this.includeMessage = includeMessage;
        this.valueLimit = valueLimit;
    }

    /**
     * Answers the pull of {@code ctx}, whose handler threw {@code error} or returned a stage that
     * failed with it ({@code stage}), where exception mappers may run: they are the application's
     * and may block, so not on an I/O thread (a {@code @NonBlocking} handler, a stage completed there).
     */
    void replyFailed(Throwable error, boolean stage, InboundContext ctx) {
        Throwable cause = stage ? unwrap(error) : answerWithin(error);
        whereMappersMayRun(cause, ctx, () -> {
            Rerror answer;
            try {
                answer = handlerFailed(cause, ctx);
            } catch (Throwable t) {
                // A mapper's Error, maybe on the hook pool, where nothing else would answer the pull.
                PullReply.answerFailure(ctx, t);
                return;
            }
            ctx.reply(null, answer);
        });
    }

    /** As {@link #replyFailed} for a push: the mapped error only decides how the failure is logged. */
    void pushFailed(Throwable error, boolean stage, InboundContext ctx) {
        Throwable cause = stage ? unwrap(error) : answerWithin(error);
        whereMappersMayRun(cause, ctx, () -> {
            try {
                handlerFailed(cause, ctx);
            } catch (Throwable t) {
                // A mapper's Error: the push is lost either way, but the thread it ran on (a handler's,
                // or the hook pool's) must live on, and the failure be said.
                failureLog(ctx).record("exception mapper failed on push " + ctx.safeUri() + " from "
                        + ctx.session.id() + " (handler " + handlerName(ctx) + ": " + safe(cause.toString()) + ")", t);
            }
        });
    }

    private void whereMappersMayRun(Throwable cause, InboundContext ctx, Runnable task) {
        PeerContext peer = ctx.session.peer;
        // A RerrorException is the answer already: no mapper sees it, so it is answered where it is.
        boolean mappersRun = !mappers.isEmpty() && !(cause instanceof RerrorException);
        peer.offIoThread(mappersRun && peer.inIoThread(), task);
    }

    /**
     * {@code error}, or the {@link RerrorException} it wraps: a handler that waited for a pull of its own
     * ({@code future.join()} or {@code get()}) throws the pull's failure wrapped, which is still an
     * answer, not a bug (an exception mapper then sees the answer, not the wrapper).
     */
    private static Throwable answerWithin(Throwable error) {
        Throwable cause = unwrap(error);
        return cause instanceof RerrorException ? cause : error;
    }

    /** The failure of a stage, without the exceptions the stage wrapped it in. */
    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * The error for {@code error}, thrown by the handler of {@code ctx} (the cause, unwrapped), and
     * logged as it deserves.
     */
    Rerror handlerFailed(Throwable error, InboundContext ctx) {
        if (error instanceof RerrorException) {
            return answered(((RerrorException) error).rerror(), ctx);
        }
        ctx.handlerFailure = error;
        if (error instanceof InterruptedException && ctx.session.peer.closing) {
            // Abandoned by a shutdown past its timeout, which says so once for all.
            log.debug("handler {} interrupted by the shutdown on {}", handlerName(ctx), ctx.safeUri());
            return internal(error);
        }
        Rerror mapped = map(error, ctx);
        if (mapped != null) {
            return answered(mapped, error, ctx);
        }
        // A remote peer can make a handler fail on every message it sends: the stack goes to the log at
        // most once per interval, with the count since; each one is at DEBUG.
        String what = "handler " + handlerName(ctx) + " failed on " + ctx.safeUri() + " from " + ctx.session.id();
        if (log.isDebugEnabled()) {
            log.debug(what, LoggedThrowable.of(error));
        }
        failureLog(ctx).record(what, error);
        return internal(error);
    }

    private RefusalLog failureLog(InboundContext ctx) {
        boolean push = ctx.request.type() == PacketType.PUSH;
        RefusalLog shared = push ? pushFailures : failures;
        if (ctx.route == null) {
            return shared;
        }
        RefusalLog own = byHandler.get(ctx.route);
        if (own != null) {
            return own;
        }
        if (byHandler.size() >= MAX_HANDLER_LOGS) {
            return shared;
        }
        return byHandler.computeIfAbsent(ctx.route, route -> logs.open(log, (push ? "push handler " : "pull handler ")
                + handlerName(ctx) + (push ? " failed with an unmapped exception (pushes lost)"
                : " failed with an unmapped exception (answered 500)")));
    }

    /** An error the handler returned (or threw as a {@link RerrorException}): its answer, logged in one line. */
    Rerror answered(Rerror rerror, InboundContext ctx) {
        return answered(rerror, null, ctx);
    }

    /** {@link #answered(Rerror, InboundContext)}, the error being a mapper's for {@code mapped}. */
    private Rerror answered(Rerror rerror, @Nullable Throwable mapped, InboundContext ctx) {
        boolean push = ctx.request.type() == PacketType.PUSH;
        if (push || log.isDebugEnabled()) {
            String what = "handler " + handlerName(ctx) + " on " + ctx.safeUri() + " from " + ctx.session.id()
                    + (mapped == null ? "" : ": " + safe(mapped.toString())) + " answered " + safe(rerror.toJson());
            log.debug(what);
            if (push) {
                pushAnswers.record(what);
            }
        }
        return rerror;
    }

    /**
     * The reply to an unexpected failure: {@code 500}, with {@code error}'s message as the detail
     * only when the configuration includes messages.
     */
    Rerror internal(Throwable error) {
        return internal(error.getMessage());
    }

    /** {@link #internal(Throwable)} for a failure described by {@code message}. */
    Rerror internal(@Nullable String message) {
        return new Rerror(Rerror.CODE_INTERNAL_ERROR, INTERNAL, includeMessage ? message : "");
    }

    private @Nullable Rerror map(Throwable error, InboundContext ctx) {
        for (ExceptionMapper mapper : mappers) {
            try {
                Rerror mapped = mapper.toRerror(error, ctx);
                if (mapped != null) {
                    return mapped;
                }
            } catch (RerrorException e) {
                return e.rerror();
            } catch (RuntimeException e) {
                log.warn("exception mapper {} failed on {}", mapper, safe(error.toString()), LoggedThrowable.of(e));
            }
        }
        return null;
    }

    private String safe(String text) {
        return LogText.safe(text, valueLimit);
    }

    /** The handler's name for a log line; an Error thrown by a header hook comes before routing. */
    private static String handlerName(InboundContext ctx) {
        return ctx.route == null ? "(not routed yet)" : ctx.route.handlerName();
    }
}
