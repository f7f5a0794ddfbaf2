package io.teleport.proto;

import io.teleport.codec.Codecs;
import io.teleport.xfer.XferFilters;

import java.util.Objects;

/**
 * What a {@link Proto} needs from its connection: the codecs and transfer filters it may use and the
 * most bytes a frame may have, in either direction.
 *
 * @param codecs the body codecs
 * @param xferFilters the transfer filters
 * @param readLimit the largest frame, length prefix included, that may be read or written
 */
public record ProtoContext(Codecs codecs, XferFilters xferFilters, int readLimit) {

    /** Validates the components. */
    public ProtoContext {
        Objects.requireNonNull(codecs, "codecs");
        Objects.requireNonNull(xferFilters, "xferFilters");
        if (readLimit <= 0) {
            throw new IllegalArgumentException("readLimit: " + readLimit + " (expected: > 0)");
        }
    }
}
