package io.teleport.proto;

import io.teleport.codec.Codecs;
import io.teleport.xfer.XferFilters;

import java.util.Objects;

/**
 * What a {@link Proto} needs from its connection: the codecs and transfer filters it may use, and the
 * bounds a frame must keep. Every length is checked against its bound before anything is allocated
 * for it.
 *
 * @param codecs the body codecs
 * @param xferFilters the transfer filters
 * @param readLimit the largest frame, length prefix included, that may be read or written
 * @param maxUriBytes the longest URI a received frame may carry
 * @param maxMetaBytes the most metadata bytes a received frame may carry
 * @param maxMetaPairs the most metadata pairs a received frame may carry
 * @param maxUnpackedBytes the largest payload transfer filters may expand a received frame into
 */
public record ProtoContext(Codecs codecs, XferFilters xferFilters, int readLimit, int maxUriBytes,
        int maxMetaBytes, int maxMetaPairs, int maxUnpackedBytes) {

    /** Validates the components. */
    public ProtoContext {
        Objects.requireNonNull(codecs, "codecs");
        Objects.requireNonNull(xferFilters, "xferFilters");
        if (readLimit <= 0) {
            throw new IllegalArgumentException("readLimit: " + readLimit + " (expected: > 0)");
        }
        if (maxUriBytes < 0 || maxMetaBytes < 0 || maxMetaPairs < 0 || maxUnpackedBytes <= 0) {
            throw new IllegalArgumentException("negative bound: uri " + maxUriBytes + ", meta " + maxMetaBytes
                    + ", pairs " + maxMetaPairs + ", unpacked " + maxUnpackedBytes);
        }
    }

    /** A context bounded by the read limit alone: URI, metadata and inflated payload may each be that large. */
    public ProtoContext(Codecs codecs, XferFilters xferFilters, int readLimit) {
        this(codecs, xferFilters, readLimit, readLimit, readLimit, Integer.MAX_VALUE, readLimit);
    }
}
