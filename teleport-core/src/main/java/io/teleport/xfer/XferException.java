package io.teleport.xfer;

/** A payload that a transfer filter could not undo, or a filter id that is not registered. */
public class XferException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message. */
    public XferException(String message) {
        super(message);
    }

    /** Creates the exception with a message and cause. */
    public XferException(String message, Throwable cause) {
        super(message, cause);
    }
}
