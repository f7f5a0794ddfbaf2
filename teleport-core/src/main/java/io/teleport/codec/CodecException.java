package io.teleport.codec;

import org.jspecify.annotations.Nullable;

/**
 * A body that could not be marshalled or unmarshalled, or a codec id that is not registered.
 *
 * <p>A body received for a route that fails to unmarshal is answered with a {@code 400}. Its detail
 * is {@link #publicMessage()}, which a codec words so that it names nothing of the receiving side's
 * classes, or the full message when the peer includes error messages
 * ({@code PeerConfig.includeErrorMessage()}, {@code teleport.error.include-message=always}).
 */
public class CodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What a caller is told when a codec gave no public wording of its own. */
    static final String CANNOT_DECODE = "cannot decode the body";

    private final String publicMessage;

    /** Creates the exception with a message; remote callers are told only that the body could not be decoded. */
    public CodecException(String message) {
        this(message, CANNOT_DECODE, null);
    }

    /** Creates the exception with a message and cause; remote callers are told only that the body could not be decoded. */
    public CodecException(String message, Throwable cause) {
        this(message, CANNOT_DECODE, cause);
    }

    /**
     * Creates the exception with a message for this side's logs and one that may be sent to the peer
     * whose body it was: the input's fault, in words that name no class of this side.
     */
    public CodecException(String message, String publicMessage, @Nullable Throwable cause) {
        super(message, cause);
        this.publicMessage = publicMessage;
    }

    /** The failure as the sender of the body may be told it: no class names of this side. */
    public String publicMessage() {
        return publicMessage;
    }
}
