package io.teleport.internal.transport;

import io.teleport.proto.ProtoContext;
import org.jspecify.annotations.Nullable;

/**
 * The bounds a connection's frames are decoded with: the peer's, except that while a plugin holds the
 * session's read limit below the peer's (a session not yet verified, see
 * {@link io.teleport.plugin.UnverifiedReadLimit}) transfer filters may not inflate a frame past that
 * limit either. Otherwise a gzip frame under the unverified limit still inflated to
 * {@code max-unpacked-bytes} (4 MiB) for a peer that had proved nothing.
 */
final class DecodeBounds {

    private final ProtoContext peer;
    /** The last lowered bounds, kept while the session's limit stays what it was. */
    private @Nullable ProtoContext lowered;

    DecodeBounds(ProtoContext peer) {
        this.peer = peer;
    }

    /** The peer's bounds: what a frame's length prefix is checked against. */
    ProtoContext peer() {
        return peer;
    }

    /** The bounds for decoding a frame of a session whose read limit is {@code sessionLimit}. */
    ProtoContext forLimit(int sessionLimit) {
        if (sessionLimit >= peer.readLimit() || sessionLimit >= peer.maxUnpackedBytes()) {
            return peer;
        }
        ProtoContext c = lowered;
        if (c == null || c.maxUnpackedBytes() != sessionLimit) {
            lowered = c = new ProtoContext(peer.codecs(), peer.xferFilters(), peer.readLimit(), peer.maxUriBytes(),
                    peer.maxMetaBytes(), peer.maxMetaPairs(), sessionLimit);
        }
        return c;
    }
}
