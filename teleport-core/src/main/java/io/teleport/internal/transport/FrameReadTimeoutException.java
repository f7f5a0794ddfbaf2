package io.teleport.internal.transport;

import io.teleport.proto.ProtoException;

/**
 * A frame that started arriving did not finish within the frame-read timeout. When it waited for room
 * in the inbound budget meanwhile, the message says so: the close then tells of the other connections
 * holding the budget as much as of the sender (hostile round 17: 71 such closes read as slow senders).
 */
final class FrameReadTimeoutException extends ProtoException {

    private static final long serialVersionUID = 1L;

    FrameReadTimeoutException(long millis, boolean waitedForRoom) {
        super("frame not complete within " + millis + " ms of its first bytes" + (waitedForRoom
                ? ", while it waited for room in the inbound budget (max-inbound-bytes), which other connections held"
                : ""));
    }
}
