package io.teleport.proto;

/**
 * The bounds a received frame is held to ({@link ProtoContext#maxUriBytes()}, {@code maxMetaBytes},
 * {@code maxMetaPairs}), applied to the frames this side writes. A peer with the same limits closes
 * the connection on a frame past them, and every other call on it then ends with 102 ("may have
 * run"); failing the one message here instead, before anything is written, ends it with 104 (not
 * sent) and leaves the connection to the others.
 */
final class SendBounds {

    private SendBounds() {
    }

    /** Throws when a written URI (a service method) of {@code bytes} is past the bound. */
    static void uri(int bytes, ProtoContext ctx) {
        if (bytes > ctx.maxUriBytes()) {
            throw new ProtoException("uri of " + bytes + " bytes exceeds the limit of " + ctx.maxUriBytes()
                    + " (limits.max-uri-bytes), which a receiver with this peer's limits holds frames to");
        }
    }

    /** Throws when written metadata of {@code bytes} in {@code pairs} pairs is past a bound. */
    static void meta(int bytes, int pairs, ProtoContext ctx) {
        if (bytes > ctx.maxMetaBytes()) {
            throw new ProtoException("meta of " + bytes + " bytes exceeds the limit of " + ctx.maxMetaBytes()
                    + " (limits.max-meta-bytes), which a receiver with this peer's limits holds frames to");
        }
        if (pairs > ctx.maxMetaPairs()) {
            throw new ProtoException("meta of " + pairs + " pairs exceeds the limit of " + ctx.maxMetaPairs()
                    + " (limits.max-meta-pairs), which a receiver with this peer's limits holds frames to");
        }
    }
}
