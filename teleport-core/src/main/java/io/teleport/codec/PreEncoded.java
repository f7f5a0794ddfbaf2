package io.teleport.codec;

import java.util.Objects;

/**
 * A body that is already encoded with the message's codec: the raw-bytes type of every codec. As a
 * body sent it is written as it is; as the type a body is read into (a reply, a handler's body) it
 * receives the bytes as they came, undecoded. What a proxy forwards, and the way to get at the wire
 * form of a body, since a {@code byte[]} follows the codec like any other value (base64 in JSON).
 *
 * @param bytes the encoded body
 */
public record PreEncoded(byte[] bytes) {

    /** Validates the bytes. */
    public PreEncoded {
        Objects.requireNonNull(bytes, "bytes");
    }
}
