package io.teleport.proto;

/** A frame that cannot be read or written: malformed, oversize, or of another protocol. */
public class ProtoException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message. */
    public ProtoException(String message) {
        super(message);
    }

    /** Creates the exception with a message and cause. */
    public ProtoException(String message, Throwable cause) {
        super(message, cause);
    }
}
