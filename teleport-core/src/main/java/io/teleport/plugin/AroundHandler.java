package io.teleport.plugin;

/**
 * Opens something that must hold on the handler's thread for exactly as long as the handler of a
 * received pull or push runs, and closes it when the handler returns or throws: a tracing scope, so
 * that the pulls a handler makes continue the caller's trace; a logging context; a security context.
 *
 * <p>Not a {@link Hook} row: the hooks run at one point and may refuse, while this wraps the handler
 * and cannot refuse. The peer's plugins open their scopes in chain order (then the route's plugins)
 * and the scopes are closed in reverse; an exception from opening or closing is logged and the
 * handler runs anyway. For a handler that returns a {@link java.util.concurrent.CompletionStage} the
 * scope covers the call that returns the stage, not the work that completes it later. It runs on the
 * handler thread, after the body hooks and before the reply is written.
 */
public interface AroundHandler extends Plugin {

    /**
     * Opens the scope of one handler call.
     *
     * @param ctx the received pull or push, routed and with its body decoded
     * @return what to close once the handler returned; {@link Scope#NONE} for nothing
     */
    Scope aroundHandler(ReadContext ctx);

    /** What {@link #aroundHandler} opened: closed once, on the same thread, when the handler returned. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {

        /** A scope that holds nothing. */
        Scope NONE = () -> {
        };

        /** Closes the scope; it must not throw (an exception is logged). */
        @Override
        void close();
    }
}
