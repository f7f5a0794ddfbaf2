package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.netty.handler.codec.EncoderException;
import io.netty.util.AttributeKey;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

import java.nio.channels.ClosedChannelException;

/**
 * What this side's pulls and pushes are told when their connection is gone or their frame was not
 * written, with the reason this side closed the connection when it had one.
 */
public final class CallErrors {

    /** The connection closed under a pull, with no reason to give. */
    static final Rerror CONNECTION_CLOSED = Rerror.of(Rerror.CODE_CONNECTION_CLOSED, "Connection Closed");
    /** A connection the remote closed before any frame came in on the session. */
    static final Rerror CLOSED_SILENTLY = new Rerror(Rerror.CODE_CONNECTION_CLOSED, "Connection Closed",
            "the remote closed the connection without sending a frame on it: it refused the connection or a"
                    + " frame of this side's (a connection limit, an accept hook, its auth plugin: a push before this side's"
                    + " handshake, a frame over its limits), it stopped (or"
                    + " its drain's shutdown timeout cut this first call off),"
                    + " it speaks another protocol (teleport.protocol must match, or the server's be auto) or it"
                    + " expects TLS (TLS on that side only); its log says which");
    /** A connection the remote closed after frames came in on it. */
    static final Rerror CLOSED_BY_REMOTE = new Rerror(Rerror.CODE_CONNECTION_CLOSED, "Connection Closed",
            "the remote closed the connection (its drain, a stop or crash, a reset on the way, or a frame of this"
                    + " side's over its limits; its log says which)");
    private static final AttributeKey<String> CLOSED_BECAUSE = AttributeKey.valueOf("teleport.closedBecause");

    private CallErrors() {
    }

    /**
     * Notes why this side closes {@code ch} (a TLS error, a protocol the other side broke), before it
     * closes it: the calls whose writes fail with it are told too (see {@link #writeFailed}).
     */
    public static void closedBecause(Channel ch, String why) {
        ch.attr(CLOSED_BECAUSE).set(why);
    }

    /** Why this side closed {@code ch}, if it said ({@link #closedBecause}). */
    static @Nullable String reasonClosed(Channel ch) {
        return ch.hasAttr(CLOSED_BECAUSE) ? ch.attr(CLOSED_BECAUSE).get() : null;
    }

    /**
     * What the pulls still waiting when {@code ch} closed are told: {@code rerror} (102: they may have
     * run), except, with 104 (safe to send again), those whose write this claims first (not yet handed
     * to a connection: waiting for a redial, or for their hooks; they are never written now), those
     * handed to {@code ch} and not written on it (their writes are queued behind its closing and fail),
     * and those written on it after its remote said it drains ({@link RemoteDrain}), which it never
     * ran. The last two are judged on {@code ch}'s own thread, where the pulls' writes completed
     * ({@code sentOn}, {@code writeOrder}); a pull handed to no known connection yet keeps 102.
     */
    static java.util.function.Function<PendingPull, Rerror> onClose(Channel ch, Rerror rerror) {
        boolean onItsThread = ch.eventLoop().inEventLoop();
        String why = rerror.detail().isEmpty() ? "" : "; " + rerror.detail();
        Rerror unwritten = new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed",
                "not sent: the connection closed before the pull was written" + why);
        Rerror unhandled = new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed",
                "not handled: the remote was draining (it had answered 503) when the pull was written" + why);
        return pull -> {
            if (pull.claimWrite(null)) {
                return unwritten;
            }
            if (!onItsThread) {
                return rerror;
            }
            if (pull.sentOn == null) {
                return pull.handedTo == ch ? unwritten : rerror;
            }
            return pull.sentOn == ch && pull.session.pending.remoteDrain.writtenAfterNotice(pull.writeOrder, ch)
                    ? unhandled : rerror;
        };
    }

    static Rerror writeFailed(@Nullable Throwable cause) {
        return writeFailed(cause, null);
    }

    /**
     * The error of a call not written; when {@code ch}, the connection it was for, was closed by this
     * side for a reason ({@link #closedBecause}), that reason follows, as it ends the pulls that were
     * waiting on it.
     */
    static Rerror writeFailed(@Nullable Throwable cause, @Nullable Channel ch) {
        Throwable c = cause instanceof EncoderException && cause.getCause() != null ? cause.getCause() : cause;
        boolean closed = c instanceof ClosedChannelException || c == null || c.getMessage() == null;
        String detail = closed ? "not sent: the connection is closed" : c.getMessage();
        // Whatever the write failed with (TLS says "SSLEngine closed already"), the reason follows.
        if (ch != null && ch.hasAttr(CLOSED_BECAUSE)) {
            detail = detail + "; " + ch.attr(CLOSED_BECAUSE).get();
        }
        return new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", detail);
    }
}
