package io.teleport.internal.session;

import io.teleport.plugin.AroundHandler;
import org.jspecify.annotations.Nullable;

/**
 * Runs an inbound message's handler inside its plugins' {@link AroundHandler} scopes, and handles the
 * handler's failure there too (a pull's error reply, a push's log line): so that the failure's WARN and
 * the exception mappers see what the scopes set, a trace id in the log's MDC.
 */
final class HandlerInvocation {

    /** What {@link #run} returns when the handler failed, and its failure has been handled. */
    static final Object FAILED = new Object();

    private HandlerInvocation() {
    }

    /** The handler's result, or {@link #FAILED}. */
    static @Nullable Object run(InboundContext ctx) {
        boolean failed = false;
        DefaultSession outer = NestedCalls.enter(ctx.session);
        try (AroundHandler.Scope scope = ScopedHooks.open(ctx.session.peer.plugins, ctx.route, ctx)) {
            try {
                return ctx.route.invoke(ctx.body, ctx);
            } catch (Throwable t) {
                failed = true;
                failed(ctx, t);
                return FAILED;
            }
        } catch (Throwable t) {
            // The scopes' own Error, opening or closing: handled once, should the handler have failed too.
            if (!failed) {
                failed(ctx, t);
            }
            return FAILED;
        } finally {
            NestedCalls.exit(outer);
        }
    }

    private static void failed(InboundContext ctx, Throwable t) {
        if (ctx.isPull()) {
            ctx.session.peer.errors.replyFailed(t, false, ctx);
        } else {
            ctx.session.peer.errors.pushFailed(t, false, ctx);
        }
    }
}
