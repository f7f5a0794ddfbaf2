package io.teleport.message;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * An exception that carries a {@link Rerror}.
 *
 * <p>Pulls fail with it; handlers throw it to answer a pull with that error. Whether the error came in
 * the remote's reply or was this side's own ending of the call (not sent, connection closed, timed
 * out, dial failed) is told by {@link #fromReply()}: the codes alone cannot tell, as a remote's handler
 * may answer any code, including one it got from a call of its own.
 */
public class RerrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Rerror rerror;
    private final boolean fromReply;

    /** Wraps an error. */
    public RerrorException(Rerror rerror) {
        this(rerror, null);
    }

    /** Wraps an error and keeps its local cause. */
    public RerrorException(Rerror rerror, @Nullable Throwable cause) {
        this(rerror, cause, false);
    }

    private RerrorException(Rerror rerror, @Nullable Throwable cause, boolean fromReply) {
        super(Objects.requireNonNull(rerror, "rerror").toJson(), cause);
        this.rerror = rerror;
        this.fromReply = fromReply;
    }

    /** The error a remote peer's reply carried (see {@link #fromReply()}). */
    public static RerrorException replied(Rerror rerror) {
        return new RerrorException(rerror, null, true);
    }

    /** Creates the error from a code, message and detail. */
    public RerrorException(int code, @Nullable String message, @Nullable String detail) {
        this(new Rerror(code, message, detail));
    }

    /** The error. */
    public Rerror rerror() {
        return rerror;
    }

    /**
     * Whether the remote peer answered the pull with this error, rather than this side ending it: a
     * {@code 104} that came in a reply was written, and handled, since the remote's handler sent it (Go
     * peers pass on the errors of their own calls). A copy made for another stack, with this exception
     * as its cause and the same error, says the same.
     */
    public boolean fromReply() {
        if (fromReply) {
            return true;
        }
        return getCause() instanceof RerrorException e && e.rerror == rerror && e.fromReply();
    }

    /** Shortcut for {@code rerror().code()}. */
    public int code() {
        return rerror.code();
    }
}
