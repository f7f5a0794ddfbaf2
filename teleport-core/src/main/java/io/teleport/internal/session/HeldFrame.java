package io.teleport.internal.session;

import io.netty.util.ReferenceCountUtil;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BiConsumer;

/**
 * A frame held back while its session redials, counted in the session's outbound bytes until the
 * redial writes it, or the pull it carries times out, or the push it carries has waited its time.
 * Whichever takes it first owns it, so a call that gave up frees its frame at once instead of when
 * the redial settles, which with endless redials could be never: dead frames would fill the
 * outbound limit and refuse live ones, and a push would arrive long after it meant anything.
 */
final class HeldFrame {

    private static final AtomicReferenceFieldUpdater<HeldFrame, Object> FRAME =
            AtomicReferenceFieldUpdater.newUpdater(HeldFrame.class, Object.class, "frame");

    private final SessionOutbound outbound;
    private final int size;
    private volatile @Nullable Object frame;
    private volatile @Nullable Timeout expiry;

    HeldFrame(SessionOutbound outbound, Object frame, int size) {
        this.outbound = outbound;
        this.frame = frame;
        this.size = size;
        outbound.holding(size);
    }

    /** The frame, no longer counted as held; {@code null} when it was taken or dropped already. */
    @Nullable Object take() {
        Object f = FRAME.getAndSet(this, null);
        if (f != null) {
            outbound.released(size);
            Timeout t = expiry;
            if (t != null) {
                t.cancel();
            }
        }
        return f;
    }

    /**
     * Gives the frame to {@code notSent} (which owns it then), with the error to fail its write with,
     * when the redial has not taken it within {@code nanos}: a push waits no longer than its timeout.
     */
    void expireAfter(Timer timer, long nanos, BiConsumer<Object, IOException> notSent) {
        try {
            expiry = timer.newTimeout(t -> {
                Object f = take();
                if (f != null) {
                    notSent.accept(f, new IOException("not sent: the session was still reconnecting after "
                            + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms"));
                }
            }, nanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException stopped) {
            // The timer stopped with its peer, or an application's timer refused: the redial's end, or
            // the session's close, still settles the frame.
        }
    }

    /** Frees the frame unless the redial took it. */
    void drop() {
        Object f = take();
        if (f != null) {
            ReferenceCountUtil.release(f);
        }
    }
}
