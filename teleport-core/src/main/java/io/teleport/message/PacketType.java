package io.teleport.message;

import org.jspecify.annotations.Nullable;

/**
 * The kind of a message, as carried in the {@code ptype} byte of a frame.
 *
 * <p>A PULL is answered by exactly one REPLY carrying the same sequence number; a PUSH is one way.
 */
public enum PacketType {
    /** A request that expects a {@link #REPLY}. */
    PULL((byte) 1, "PULL"),
    /** The answer to a {@link #PULL}. */
    REPLY((byte) 2, "REPLY"),
    /** A one-way message. */
    PUSH((byte) 3, "PUSH");

    private final byte code;
    private final String text;

    PacketType(byte code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The byte written on the wire. */
    public byte code() {
        return code;
    }

    /** The upper-case name Teleport uses in logs ({@code PULL}, {@code REPLY}, {@code PUSH}). */
    public String text() {
        return text;
    }

    /**
     * Returns the type for a wire byte, or {@code null} when the byte names no known type (Teleport's
     * "Undefined"), so that decoders can reject it without an exception on the common path.
     */
    public static @Nullable PacketType fromCode(byte code) {
        switch (code) {
            case 1:
                return PULL;
            case 2:
                return REPLY;
            case 3:
                return PUSH;
            default:
                return null;
        }
    }
}
