package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A broadcast's body in one direct buffer, which the frames of all the sessions it reaches share:
 * each is its session's header followed by a slice of it. A body of 1 MB sent to 2,000 sessions that
 * read slowly holds 1 MB, not 2 GB, until they have read it; and it is counted once in what the
 * peer's slow readers hold ({@link SlowReaders#sharedBodyBytes()}), as long as any frame holds it.
 *
 * <p>Small bodies are copied into each frame, which costs less than a frame of two parts.
 */
final class SharedBody {

    /** The smallest body shared rather than copied. */
    static final int MIN_BYTES = 4096;

    private final ByteBuf buffer;
    private final int size;
    private final SlowReaders account;
    /** The broadcast itself while it hands out frames, and each frame until its write ends. */
    private final AtomicInteger holders = new AtomicInteger(1);

    private SharedBody(ByteBuf buffer, SlowReaders account) {
        this.buffer = buffer;
        this.size = buffer.readableBytes();
        this.account = account;
        account.sharedBodies(size);
    }

    /**
     * The body in a direct buffer held by the broadcast, which {@link #release()}s it once it has handed
     * out its frames; {@code null} when it is small (or no direct memory is left: then each frame
     * copies it, and fails as it would have).
     */
    static @Nullable SharedBody of(byte[] bytes, SlowReaders account) {
        if (bytes.length < MIN_BYTES) {
            return null;
        }
        ByteBuf buffer;
        try {
            buffer = ByteBufAllocator.DEFAULT.directBuffer(bytes.length, bytes.length);
        } catch (OutOfMemoryError e) {
            return null;
        }
        return new SharedBody(buffer.writeBytes(bytes), account);
    }

    /** The body; valid while this is held. */
    ByteBuf buffer() {
        return buffer;
    }

    /** Its size in bytes. */
    int size() {
        return size;
    }

    /** A frame that holds the body is handed to a session; {@link #release()} once its write has ended. */
    void hold() {
        holders.incrementAndGet();
    }

    /** A holder is done with the body: the last frees it and takes it out of the peer's count. */
    void release() {
        if (holders.decrementAndGet() == 0) {
            account.sharedBodies(-size);
            buffer.release();
        }
    }
}
