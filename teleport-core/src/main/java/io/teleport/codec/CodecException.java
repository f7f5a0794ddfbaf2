package io.teleport.codec;

/** A body that could not be marshalled or unmarshalled, or a codec id that is not registered. */
public class CodecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message. */
    public CodecException(String message) {
        super(message);
    }

    /** Creates the exception with a message and cause. */
    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
