package io.teleport.message;

import org.jspecify.annotations.Nullable;

import java.util.Objects;

/**
 * A reply error: what a failed pull ends with, on either side.
 *
 * <p>On the wire it travels only in REPLY metadata under {@value #META_KEY}, as the JSON that Teleport
 * v3 writes by hand: {@code {"code":N}} followed by {@code "message"} and {@code "detail"} when they
 * are not empty. Go escapes only {@code "}; this side writes valid JSON, which Go reads the same,
 * and reads Go's form as Go does. A reply that
 * carries this key is a failure even when the code is 0. Codes above 1000 are for applications.
 *
 * @param code the error code
 * @param message a short text, may be empty
 * @param detail more text, may be empty
 */
public record Rerror(int code, String message, String detail) {

    /** The reply metadata key that carries the error. */
    public static final String META_KEY = "X-Reply-Error";

    /** A pull in flight when its connection closed. */
    public static final int CODE_CONNECTION_CLOSED = 102;
    /** A pull or push that could not be written. */
    public static final int CODE_WRITE_FAILED = 104;
    /** A dial that could not connect. */
    public static final int CODE_DIAL_FAILED = 105;
    /** A message that could not be parsed or whose body does not fit the handler. */
    public static final int CODE_BAD_PACKET = 400;
    /** No handler for the path. */
    public static final int CODE_NOT_FOUND = 404;
    /** A pull that got no reply within its timeout. */
    public static final int CODE_PULL_TIMEOUT = 408;
    /** A handler that threw something other than a {@link RerrorException}. */
    public static final int CODE_INTERNAL_ERROR = 500;
    /** A message kind the peer does not implement. */
    public static final int CODE_NOT_IMPLEMENTED = 501;
    /**
     * A call the handler made failed as its caller's own calls fail ({@code 102}, {@code 104},
     * {@code 105}): answered so, as those codes would tell the caller that its own pull was not sent.
     */
    public static final int CODE_BAD_GATEWAY = 502;
    /** The handler executor refused the work: the peer is overloaded or shutting down. */
    public static final int CODE_UNAVAILABLE = 503;
    /**
     * The detail of the {@link #CODE_UNAVAILABLE} a draining peer answers new pulls with: the pull was
     * not handled, and the peer will close; a caller may send it elsewhere and stop choosing this peer.
     */
    public static final String DETAIL_SHUTTING_DOWN = "shutting down";
    /**
     * The detail of the {@link #CODE_UNAVAILABLE} a session that closes (and not its peer: one the
     * application closed, or an authentication refused) answers new pulls with: the pull was not
     * handled, and this connection will close; a caller may send it again on another.
     */
    public static final String DETAIL_SESSION_CLOSING = "session closing";

    /** Null texts become empty: {@link #message()} and {@link #detail()} are never {@code null}. */
    public Rerror(int code, @Nullable String message, @Nullable String detail) {
        // Declared in full, not compact: only so can the parameters be nullable and the components not.
        this.code = code;
        this.message = message == null ? "" : message;
        this.detail = detail == null ? "" : detail;
    }

    /** An error with a code and message and no detail. */
    public static Rerror of(int code, @Nullable String message) {
        return new Rerror(code, message, "");
    }

    /** A copy with another detail. */
    public Rerror withDetail(@Nullable String detail) {
        return new Rerror(code, message, detail);
    }

    /**
     * The Teleport v3 JSON form: {@code {"code":N,"message":"...","detail":"..."}}, as valid JSON
     * (see {@link RerrorJson}).
     */
    public String toJson() {
        return RerrorJson.write(this);
    }

    /** Sets this error into reply metadata, replacing any previous one. */
    public void writeTo(Meta meta) {
        meta.set(META_KEY, toJson());
    }

    /** The error carried by reply metadata, or {@code null} when the key is absent or empty. */
    public static @Nullable Rerror fromMeta(@Nullable Meta meta) {
        if (meta == null) {
            return null;
        }
        String json = meta.peek(META_KEY);
        if (json == null || json.isEmpty()) {
            return null;
        }
        return parse(json);
    }

    /**
     * Parses the JSON form leniently: missing fields are zero or empty, and text that is not JSON at
     * all becomes the message of a code-0 error, which still counts as an error.
     */
    public static Rerror parse(String json) {
        return RerrorJson.read(Objects.requireNonNull(json, "json"));
    }

    /** The exception carrying this error. */
    public RerrorException toException() {
        return new RerrorException(this);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
