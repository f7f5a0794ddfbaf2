package io.teleport.codec;

import org.jspecify.annotations.Nullable;

/**
 * A body type that a codec cannot make values of from any input: a non-static inner class, a class
 * without a constructor the codec can use, an interface with no mapping. The receiving side's mistake,
 * not the sender's, so an inbound message of such a route is answered {@code 500} and logged here with
 * the reason, where a body that does not fit its type is the sender's {@code 400}.
 */
public class UnreadableTypeException extends CodecException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with the reason for this side's logs; the sender is told only that this
     * side cannot read the route's body.
     */
    public UnreadableTypeException(String message, @Nullable Throwable cause) {
        super(message, "this side cannot read a body of the route's type", cause);
    }
}
