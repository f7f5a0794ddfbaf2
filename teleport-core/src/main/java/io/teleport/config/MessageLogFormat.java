package io.teleport.config;

/**
 * The shape of the per-message log (logger {@code io.teleport.message}). Production logs want one
 * event per line that a log pipeline can parse and that costs nothing unless asked for; Go
 * Teleport's users may want the lines they know.
 */
public enum MessageLogFormat {
    /**
     * One line per message in {@code key=value} form, at DEBUG (the default):
     * {@code kind=pull-handle remote=10.0.0.5:51234 seq=7 uri=/shop/buy status=ok size=40 reply-size=31}.
     */
    KEY_VALUE,
    /**
     * Go Teleport v3's lines, at INFO: {@code [pull-handle] remote-ip: ... | seq: ... | uri: ...}
     * followed by a line per field of each packet.
     */
    MULTI_LINE
}
