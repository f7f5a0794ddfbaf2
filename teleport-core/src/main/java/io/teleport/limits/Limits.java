package io.teleport.limits;

import io.teleport.config.PeerConfig;

import java.time.Duration;

/**
 * What a remote peer may make this peer spend: memory for the messages it sends and the replies it
 * does not read, handler slots, time, and log bytes. Every bound is on by default. Immutable; built
 * with {@link #builder()} and given to {@link PeerConfig.Builder#limits(Limits)}.
 *
 * <p>The order of defence is the one TCP already offers: a session over its share first stops being
 * read (its sender then blocks in its own socket buffer), and only what no back-pressure can stop is
 * refused: a full handler queue answers {@code 503}, an oversize or malformed frame closes its
 * connection. Nothing accepted is dropped silently; every refusal is counted in {@link PeerStats}.
 *
 * <p>Durations of zero switch the bound off where the setting says so; one longer than fifty years
 * counts as fifty years.
 */
public final class Limits {

    /** Frames larger than this may take only half of {@link #maxInboundBytes()}, leaving room for small ones. */
    public static final int LARGE_FRAME = 1024 * 1024;

    /** The values, copied from the builder. */
    private final LimitValues v;

    private Limits(Builder b) {
        v = new LimitValues(b);
        v.maxInboundBytes = b.maxInboundBytes > 0 ? b.maxInboundBytes : HeapShares.inboundBytes();
        v.maxOutboundBytes = b.maxOutboundBytes > 0 ? b.maxOutboundBytes : HeapShares.outboundBytes();
        v.maxConnections = b.maxConnections > 0 ? b.maxConnections : HeapShares.connections();
        v.maxPendingPulls = b.maxPendingPulls > 0 ? b.maxPendingPulls : HeapShares.pendingPulls();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static Limits defaults() {
        return builder().build();
    }

    /** A builder preset to these limits. */
    public Builder toBuilder() {
        return new Builder(v);
    }

    /**
     * Pulls and pushes received on one session and not yet finished (replied to, or handled). At
     * this many the session is no longer read until half of them are done, unless this side awaits
     * replies on it (which come only by reading): then it is read on, what comes past the limit waits
     * for room up to twice the limit, and what comes past that is refused ({@code 503}, a push dropped).
     * Default 128: below the default 200 handler threads, so that one session pulling a slow route
     * never holds them all.
     */
    public int maxInflightPerSession() {
        return v.maxInflightPerSession;
    }

    /**
     * Bytes of the frames counted by {@link #maxInflightPerSession()}, inflated sizes included. At
     * this many the session is no longer read until half are released. Default 16 MiB.
     */
    public long maxInflightBytesPerSession() {
        return v.maxInflightBytesPerSession;
    }

    /**
     * Bytes of inbound frames the whole peer holds at once: frames being received (what has arrived of
     * them, or the buffer a large one is gathered in) and messages waiting for or in their handler. A
     * connection whose next frame does not fit is not read until room is freed; frames larger than
     * {@link #LARGE_FRAME} may take only half and frames over 64 KiB seven eighths, so that large
     * senders cannot starve small ones.
     * Default: a quarter of the maximum heap, at least 64 MiB.
     */
    public long maxInboundBytes() {
        return v.maxInboundBytes;
    }

    /**
     * The longest a pull may wait for a handler thread; one that waited longer is answered
     * {@code 503} instead of run late, since its caller has likely given up. Zero: no bound. Default 10 s.
     */
    public Duration maxQueueWait() {
        return v.maxQueueWait;
    }

    /**
     * The most handlers running at once on virtual threads ({@link io.teleport.config.HandlerExecution#VIRTUAL}); beyond
     * it pulls are answered {@code 503}. Default 10,000.
     */
    public int maxConcurrentHandlers() {
        return v.maxConcurrentHandlers;
    }

    /** The connection becomes writable again once its outbound buffer drains below this. Default 256 KiB. */
    public int writeBufferLowWaterMark() {
        return v.writeBufferLowWaterMark;
    }

    /**
     * Above this many queued outbound bytes a connection is not writable: it is then no longer read
     * (its replies would pile up), and {@link io.teleport.session.Session#isWritable()} says so.
     * Default 1 MiB.
     */
    public int writeBufferHighWaterMark() {
        return v.writeBufferHighWaterMark;
    }

    /**
     * Outbound bytes one session may have queued and not yet written to its socket. A pull or push
     * that would go past it fails at once with {@code 104}; a broadcast skips the session and counts
     * it. An empty buffer takes one frame of any size the read limit allows, so that a message larger
     * than this bound can still be sent. Replies are never refused: reading stops before they can
     * pile up. Default 8 MiB.
     */
    public long maxOutboundBytesPerSession() {
        return v.maxOutboundBytesPerSession;
    }

    /**
     * Outbound bytes all sessions over their high water mark (not reading as fast as they are
     * written to) may have queued together, the body a broadcast's frames share counted once: without it, each of thousands of sessions that pull and
     * never read could hold {@link #maxOutboundBytesPerSession()}. Past it, of the sessions holding
     * more than their share (this bound over their number), the one over its mark the longest is closed
     * (most likely its peer reads nothing), or the one written to, when it is that one: a reply then
     * closes its connection, and pulls and pushes fail with {@code 104}. Default an eighth of the heap,
     * at least 32 MiB.
     */
    public long maxOutboundBytes() {
        return v.maxOutboundBytes;
    }

    /** The longest URI, in bytes, a frame may carry; a longer one closes the connection. Default 16 KiB. */
    public int maxUriBytes() {
        return v.maxUriBytes;
    }

    /** The most bytes of metadata a frame may carry; more closes the connection. Default 64 KiB. */
    public int maxMetaBytes() {
        return v.maxMetaBytes;
    }

    /** The most metadata pairs a frame may carry (more closes the connection), and query pairs a handler reads (more: 400). Default 256. */
    public int maxMetaPairs() {
        return v.maxMetaPairs;
    }

    /**
     * The largest payload a transfer filter (gzip) may expand a frame into; past it, or past the
     * 1,100-fold that one gzip layer can give (at least 64 KiB), the connection closes. Default 4 MiB.
     */
    public int maxUnpackedBytes() {
        return v.maxUnpackedBytes;
    }

    /**
     * How long a frame may take to arrive once its first bytes have; past it the connection closes.
     * Its clock starts again when this side stops reading the session for its own load, and stops
     * while the frame waits for room in {@link #maxInboundBytes()}, unless none is freed that long.
     * Runs even when the idle timeout is off. Zero: no bound. Default 10 s.
     */
    public Duration frameReadTimeout() {
        return v.frameReadTimeout;
    }

    /**
     * An accepted connection on which no frame was received and nothing was sent within this long is a
     * stray: closed if its TLS handshake has not finished, or once half of {@link #maxConnections()} are
     * open (all: once silent a tenth of this, at least 1 s); until then it may be a client waiting for
     * pushes, and stays. Zero: no bound. Default 10 s.
     */
    public Duration handshakeTimeout() {
        return v.handshakeTimeout;
    }

    /**
     * How long a connection may keep bytes queued (over its write high water mark, or under it but
     * more than the kernel takes while pulls of the other side wait for their replies) while the other
     * side reads none of them; past it the connection closes (pulls waiting on it end with {@code 102}).
     * Reading slowly is not stalling: any byte read restarts the wait. Zero: no bound. Default 60 s.
     */
    public Duration writeStallTimeout() {
        return v.writeStallTimeout;
    }

    /**
     * Accepted connections open at once, over all of the peer's listeners; dialed ones are not counted.
     * At this many the listeners stop accepting, so that further connections wait in the kernel's
     * backlog (and are refused by it once that is full) until one closes; a connection accepted past
     * the bound in the same batch is closed at once. Default: one per 64 KiB of the maximum heap, at
     * least 1,024 (16,384 for a 1 GiB heap).
     */
    public int maxConnections() {
        return v.maxConnections;
    }

    /**
     * Accepted connections open at once from one IP address; past it a new one from that address is
     * closed at once, and counted. Zero, the default: no such bound, since behind a load balancer or a
     * NAT every client may share one address. With it, one IPv4 host cannot take every place of
     * {@link #maxConnections()} from the others; IPv6 addresses are counted one by one, not by prefix,
     * and a host may hold many. Connections over Unix sockets are not counted.
     */
    public int maxConnectionsPerAddress() {
        return v.maxConnectionsPerAddress;
    }

    /**
     * This side's pulls on one session awaiting replies; one more fails at once with {@code 104}, not
     * sent, and is counted: a peer that never answers cannot make this side hold them all. Default 4,096.
     */
    public int maxPendingPullsPerSession() {
        return v.maxPendingPullsPerSession;
    }

    /**
     * The same over all sessions, counting the pulls beyond the first of each (sessions are bounded
     * already); past half of it, a session holds at most its share of that half, so that peers that never
     * answer cannot take every place. Default: one per 4 KiB of the maximum heap, at least 16,384.
     */
    public long maxPendingPulls() {
        return v.maxPendingPulls;
    }

    /** The most characters of a remote-controlled value (URI, metadata, error detail) in a log line. Default 256. */
    public int logValueLimit() {
        return v.logValueLimit;
    }

    /** The most bytes of a body that {@link PeerConfig#printBody()} prints; its size is always printed. Default 256. */
    public int printBodyLimit() {
        return v.printBodyLimit;
    }

    /**
     * The most entries per second the per-message log ({@link PeerConfig#messageLogFormat()}) writes,
     * the rest counted in one WARN line per 10 s: a flood of messages cannot fill the disk. Zero: every
     * entry, as in Go. Default 1,000. Slow-call alarms have their own, {@link #slowCallLogRate()}.
     */
    public int messageLogRate() {
        return v.messageLogRate;
    }

    /**
     * The most slow-call alarms ({@link PeerConfig#slowCometDuration()}) written per second, the rest counted
     * in a WARN per 10 s: calls turn slow all at once, and their alarms would bury why. Zero: all. Default 10.
     */
    public int slowCallLogRate() {
        return v.slowCallLogRate;
    }

    @Override
    public String toString() {
        return "Limits[" + v.describe() + "]";
    }

    /** Builds {@link Limits}; every setter validates its argument at once. */
    public static final class Builder extends LimitValues {

        private Builder() {
        }

        private Builder(LimitValues v) {
            super(v);
        }

        /** See {@link Limits#maxInflightPerSession()}. */
        public Builder maxInflightPerSession(int n) {
            this.maxInflightPerSession = atLeast(n, 1, "maxInflightPerSession");
            return this;
        }

        /** See {@link Limits#maxInflightBytesPerSession()}. */
        public Builder maxInflightBytesPerSession(long bytes) {
            this.maxInflightBytesPerSession = atLeast(bytes, 1024, "maxInflightBytesPerSession");
            return this;
        }

        /** See {@link Limits#maxInboundBytes()}; 0 for the default (a quarter of the heap). */
        public Builder maxInboundBytes(long bytes) {
            this.maxInboundBytes = bytes == 0 ? 0 : atLeast(bytes, 64 * 1024, "maxInboundBytes");
            return this;
        }

        /** See {@link Limits#maxQueueWait()}. */
        public Builder maxQueueWait(Duration wait) {
            this.maxQueueWait = DurationSettings.nonNegative(wait, "maxQueueWait");
            return this;
        }

        /** See {@link Limits#maxConcurrentHandlers()}. */
        public Builder maxConcurrentHandlers(int n) {
            this.maxConcurrentHandlers = atLeast(n, 1, "maxConcurrentHandlers");
            return this;
        }

        /** See {@link Limits#writeBufferLowWaterMark()} and {@link Limits#writeBufferHighWaterMark()}. */
        public Builder writeBufferWaterMarks(int low, int high) {
            atLeast(low, 0, "writeBufferLowWaterMark");
            if (high < low || high < 1) {
                throw new IllegalArgumentException("writeBufferHighWaterMark: " + high + " (expected: >= low water mark "
                        + low + " and >= 1)");
            }
            this.writeBufferLowWaterMark = low;
            this.writeBufferHighWaterMark = high;
            return this;
        }

        /** See {@link Limits#maxOutboundBytesPerSession()}. */
        public Builder maxOutboundBytesPerSession(long bytes) {
            this.maxOutboundBytesPerSession = atLeast(bytes, 1024, "maxOutboundBytesPerSession");
            return this;
        }

        /** See {@link Limits#maxOutboundBytes()}; 0 for the default (an eighth of the heap). */
        public Builder maxOutboundBytes(long bytes) {
            this.maxOutboundBytes = bytes == 0 ? 0 : atLeast(bytes, 64 * 1024, "maxOutboundBytes");
            return this;
        }

        /** See {@link Limits#maxUriBytes()}. */
        public Builder maxUriBytes(int bytes) {
            this.maxUriBytes = atLeast(bytes, 1, "maxUriBytes");
            return this;
        }

        /** See {@link Limits#maxMetaBytes()}. */
        public Builder maxMetaBytes(int bytes) {
            this.maxMetaBytes = atLeast(bytes, 0, "maxMetaBytes");
            return this;
        }

        /** See {@link Limits#maxMetaPairs()}. */
        public Builder maxMetaPairs(int pairs) {
            this.maxMetaPairs = atLeast(pairs, 0, "maxMetaPairs");
            return this;
        }

        /** See {@link Limits#maxUnpackedBytes()}. */
        public Builder maxUnpackedBytes(int bytes) {
            this.maxUnpackedBytes = atLeast(bytes, 1024, "maxUnpackedBytes");
            return this;
        }

        /** See {@link Limits#frameReadTimeout()}. */
        public Builder frameReadTimeout(Duration timeout) {
            this.frameReadTimeout = DurationSettings.nonNegative(timeout, "frameReadTimeout");
            return this;
        }

        /** See {@link Limits#handshakeTimeout()}. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = DurationSettings.nonNegative(timeout, "handshakeTimeout");
            return this;
        }

        /** See {@link Limits#logValueLimit()}. */
        public Builder logValueLimit(int chars) {
            this.logValueLimit = atLeast(chars, 16, "logValueLimit");
            return this;
        }

        /** See {@link Limits#printBodyLimit()}. */
        public Builder printBodyLimit(int bytes) {
            this.printBodyLimit = atLeast(bytes, 0, "printBodyLimit");
            return this;
        }

        /** See {@link Limits#writeStallTimeout()}. */
        public Builder writeStallTimeout(Duration timeout) {
            this.writeStallTimeout = DurationSettings.nonNegative(timeout, "writeStallTimeout");
            return this;
        }

        /** See {@link Limits#maxConnections()}. */
        public Builder maxConnections(int n) {
            this.maxConnections = atLeast(n, 1, "maxConnections");
            return this;
        }

        /** See {@link Limits#maxConnectionsPerAddress()}; 0 for none. */
        public Builder maxConnectionsPerAddress(int n) {
            this.maxConnectionsPerAddress = atLeast(n, 0, "maxConnectionsPerAddress");
            return this;
        }

        /** See {@link Limits#maxPendingPullsPerSession()}. */
        public Builder maxPendingPullsPerSession(int n) {
            this.maxPendingPullsPerSession = atLeast(n, 1, "maxPendingPullsPerSession");
            return this;
        }

        /** See {@link Limits#maxPendingPulls()}; 0 for the default (sized by the heap). */
        public Builder maxPendingPulls(long n) {
            this.maxPendingPulls = n == 0 ? 0 : atLeast(n, 1, "maxPendingPulls");
            return this;
        }

        /** See {@link Limits#messageLogRate()}; 0 for every entry. */
        public Builder messageLogRate(int entriesPerSecond) {
            this.messageLogRate = atLeast(entriesPerSecond, 0, "messageLogRate");
            return this;
        }

        /** See {@link Limits#slowCallLogRate()}; 0 for every alarm. */
        public Builder slowCallLogRate(int alarmsPerSecond) {
            this.slowCallLogRate = atLeast(alarmsPerSecond, 0, "slowCallLogRate");
            return this;
        }

        /** Builds the limits. */
        public Limits build() {
            return new Limits(this);
        }
    }
}
