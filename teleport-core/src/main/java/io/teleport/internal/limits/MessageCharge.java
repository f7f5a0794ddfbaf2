package io.teleport.internal.limits;

import io.teleport.message.Packet;

/** What a received message is charged against the inbound budget and its session's in-flight bytes. */
public final class MessageCharge {

    private MessageCharge() {
    }

    /**
     * The bytes a received message holds until it is finished: its frame, or what it was read into
     * when a transfer filter made that larger.
     */
    public static long of(Packet packet) {
        long frame = Math.max(packet.size(), packet.bodyBytes().length);
        if (packet.xferPipe().length == 0) {
            return frame;
        }
        // A filter inflates the whole payload, so the URI and metadata parsed out of it can be far
        // larger than the frame (a 150-byte gzip frame holding 80 KB of them).
        long parsed = (long) packet.bodyBytes().length + packet.uri().length()
                + (packet.hasMeta() ? packet.meta().minEncodedLength() : 0);
        return Math.max(frame, parsed);
    }
}
