package io.teleport.limits;

import java.time.Duration;

/**
 * The values of {@link Limits}, with their defaults (zero: sized by the heap when built), and the
 * checks its builder's setters make. {@link Limits} keeps a copy that nothing else sees.
 */
class LimitValues {

    int maxInflightPerSession = 128;
    long maxInflightBytesPerSession = 16L * 1024 * 1024;
    long maxInboundBytes;
    Duration maxQueueWait = Duration.ofSeconds(10);
    int maxConcurrentHandlers = 10_000;
    int writeBufferLowWaterMark = 256 * 1024;
    int writeBufferHighWaterMark = 1024 * 1024;
    long maxOutboundBytesPerSession = 8L * 1024 * 1024;
    long maxOutboundBytes;
    int maxUriBytes = 16 * 1024;
    int maxMetaBytes = 64 * 1024;
    int maxMetaPairs = 256;
    int maxUnpackedBytes = 4 * 1024 * 1024;
    Duration frameReadTimeout = Duration.ofSeconds(10);
    Duration handshakeTimeout = Duration.ofSeconds(10);
    Duration writeStallTimeout = Duration.ofSeconds(60);
    int maxConnections;
    int maxConnectionsPerAddress;
    int maxPendingPullsPerSession = 4096;
    long maxPendingPulls;
    int logValueLimit = 256;
    int printBodyLimit = 256;
    int messageLogRate = 1000;
    int slowCallLogRate = 10;

    LimitValues() {
    }

    /** A copy of {@code v}: every field is a value or immutable. */
    LimitValues(LimitValues v) {
        maxInflightPerSession = v.maxInflightPerSession;
        maxInflightBytesPerSession = v.maxInflightBytesPerSession;
        maxInboundBytes = v.maxInboundBytes;
        maxQueueWait = v.maxQueueWait;
        maxConcurrentHandlers = v.maxConcurrentHandlers;
        writeBufferLowWaterMark = v.writeBufferLowWaterMark;
        writeBufferHighWaterMark = v.writeBufferHighWaterMark;
        maxOutboundBytesPerSession = v.maxOutboundBytesPerSession;
        maxOutboundBytes = v.maxOutboundBytes;
        maxUriBytes = v.maxUriBytes;
        maxMetaBytes = v.maxMetaBytes;
        maxMetaPairs = v.maxMetaPairs;
        maxUnpackedBytes = v.maxUnpackedBytes;
        frameReadTimeout = v.frameReadTimeout;
        handshakeTimeout = v.handshakeTimeout;
        writeStallTimeout = v.writeStallTimeout;
        maxConnections = v.maxConnections;
        maxConnectionsPerAddress = v.maxConnectionsPerAddress;
        maxPendingPullsPerSession = v.maxPendingPullsPerSession;
        maxPendingPulls = v.maxPendingPulls;
        logValueLimit = v.logValueLimit;
        printBodyLimit = v.printBodyLimit;
        messageLogRate = v.messageLogRate;
        slowCallLogRate = v.slowCallLogRate;
    }

    /** The values as {@link Limits#toString()} lists them. */
    String describe() {
        return "inflight=" + maxInflightPerSession + "/" + maxInflightBytesPerSession + " bytes, inboundBytes="
                + maxInboundBytes + ", queueWait=" + maxQueueWait + ", handlers=" + maxConcurrentHandlers + ", waterMarks="
                + writeBufferLowWaterMark + "/" + writeBufferHighWaterMark + ", outboundBytes=" + maxOutboundBytesPerSession
                + "/" + maxOutboundBytes + " in all, uri=" + maxUriBytes + ", meta=" + maxMetaBytes + "/" + maxMetaPairs
                + " pairs, unpacked=" + maxUnpackedBytes + ", frameRead=" + frameReadTimeout + ", handshake=" + handshakeTimeout
                + ", writeStall=" + writeStallTimeout + ", connections=" + maxConnections + "/" + maxConnectionsPerAddress
                + " per address, pendingPulls=" + maxPendingPullsPerSession + "/" + maxPendingPulls + " in all, messageLogRate="
                + messageLogRate + "/s, slowCallLogRate=" + slowCallLogRate + "/s";
    }

    static int atLeast(int value, int min, String name) {
        return (int) atLeast((long) value, min, name);
    }

    static long atLeast(long value, long min, String name) {
        if (value >= min) {
            return value;
        }
        throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
}
