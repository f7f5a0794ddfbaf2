package io.teleport.codec;

import java.util.Objects;

/**
 * A body that is already encoded with the message's codec, written as is: what a proxy forwards.
 *
 * @param bytes the encoded body
 */
public record PreEncoded(byte[] bytes) {

    /** Validates the bytes. */
    public PreEncoded {
        Objects.requireNonNull(bytes, "bytes");
    }
}
