package io.teleport.internal.session;

import io.teleport.plugin.AroundHandler;
import org.jspecify.annotations.Nullable;

/**
 * Runs an inbound message's handler inside its plugins' {@link AroundHandler} scopes, and handles the
 * handler's failure there too (a pull's error reply, a push's log line), so that the failure's WARN
 * carries what the scopes set on the handler's thread, such as a trace id in the log's MDC.
 */
final class HandlerInvocation {

    /** What {@link #run} returns when the handler failed, and its failure has been handled. */
    static final Object FAILED = new Object();

    private HandlerInvocation() {
    }

    /**
     * The handler's result, or {@link #FAILED}. What the handling of a failure throws (out of memory for
     * the hand-off to an exception mapper's thread) is thrown on, to the caller's guard, which answers
     * the pull or finishes the message.
     */
    static @Nullable Object run(InboundContext ctx) {
        DefaultSession outer = NestedCalls.enter(ctx.session);
        // The scopes neither open nor close with an exception (the plugin chain logs theirs): a failure the
        // handler's is answered once, here.
        try (AroundHandler.Scope scope = ScopedHooks.open(ctx.session.peer.plugins, ctx.route, ctx)) {
            try {
                return ctx.route.invoke(ctx.body, ctx);
            } catch (Throwable t) {
                if (ctx.isPull()) {
                    ctx.session.peer.errors.replyFailed(t, false, ctx);
                } else {
                    ctx.session.peer.errors.pushFailed(t, false, ctx);
                }
                return FAILED;
            }
        } finally {
            NestedCalls.exit(outer);
        }
    }
}
