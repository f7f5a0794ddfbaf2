package io.teleport.limits;

/**
 * The defaults of the peer-wide {@link Limits}, as shares of the heap the JVM may grow to: a peer
 * given more memory serves more, and one given little still refuses before it runs out.
 */
final class HeapShares {

    private HeapShares() {
    }

    /** A quarter of the heap, at least 64 MiB: {@link Limits#maxInboundBytes()}. */
    static long inboundBytes() {
        return Math.max(64L * 1024 * 1024, heap(1L << 32) / 4);
    }

    /** An eighth of the heap, at least 32 MiB: {@link Limits#maxOutboundBytes()}. */
    static long outboundBytes() {
        return Math.max(32L * 1024 * 1024, heap(1L << 33) / 8);
    }

    /** One per 64 KiB of heap, at least 1,024: an idle session holds about 2 KiB, the rest is for its traffic. */
    static int connections() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1024, heap(1L << 46) / (64 * 1024)));
    }

    /** One per 4 KiB of heap, at least 16,384: {@link Limits#maxPendingPulls()}. */
    static long pendingPulls() {
        return Math.max(16 * 1024, heap(1L << 42) / 4096);
    }

    /** The heap the JVM may grow to, or {@code unbounded} when it sets no maximum. */
    private static long heap(long unbounded) {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? unbounded : max;
    }
}
