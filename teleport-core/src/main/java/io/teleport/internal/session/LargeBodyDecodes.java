package io.teleport.internal.session;

import io.teleport.codec.CodecException;
import io.teleport.codec.Codecs;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.concurrent.Semaphore;

/**
 * Decodes received bodies of {@link #MIN_BYTES} or more at most one per core at once, in the whole JVM.
 *
 * <p>The inbound budget counts a body's bytes, but decoded it may take many times that (twenty for
 * JSON of empty objects, until the codec's token limit refuses it), and the remote chooses what it
 * sends: sixteen gzip frames of 4 KB each, inflating to 4 MB of such JSON, decoded on sixteen handler
 * threads at once ran a 256 MB server out of heap. Decoding is computing, so more at once than there
 * are cores only adds memory, not speed; smaller bodies, which cannot take much each, are not held up.
 */
final class LargeBodyDecodes {

    /** The smallest body whose decoding waits for a slot. */
    static final int MIN_BYTES = 256 * 1024;

    private static final Semaphore SLOTS = new Semaphore(Math.max(2, io.netty.util.NettyRuntime.availableProcessors()));

    private LargeBodyDecodes() {
    }

    /** {@link Codecs#decode}, in a slot when the body is large; on a thread that may wait (a handler's). */
    static @Nullable Object decode(Codecs codecs, byte codec, byte[] bytes, Type type) throws CodecException {
        if (bytes.length < MIN_BYTES) {
            return codecs.decode(codec, bytes, type);
        }
        // Not interruptibly: a slot comes back within one decode, and a shutdown waits for handlers anyway.
        SLOTS.acquireUninterruptibly();
        try {
            return codecs.decode(codec, bytes, type);
        } finally {
            SLOTS.release();
        }
    }
}
