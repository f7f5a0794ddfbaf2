package io.teleport.internal.session;

import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * A frame held back while its session redials, counted in the session's outbound bytes until the
 * redial writes it or the pull it carries times out. Whichever takes it first owns it, so a pull
 * that gave up frees its frame at once instead of when the redial settles, which with endless
 * redials could be never: dead frames would fill the outbound limit and refuse live ones.
 */
final class HeldFrame {

    private static final AtomicReferenceFieldUpdater<HeldFrame, Object> FRAME =
            AtomicReferenceFieldUpdater.newUpdater(HeldFrame.class, Object.class, "frame");

    private final SessionOutbound outbound;
    private final int size;
    private volatile @Nullable Object frame;

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
        }
        return f;
    }

    /** Frees the frame unless the redial took it. */
    void drop() {
        Object f = take();
        if (f != null) {
            ReferenceCountUtil.release(f);
        }
    }
}
