package io.teleport.internal.session;

import io.teleport.codec.CodecException;
import io.netty.util.internal.ThreadExecutorMap;
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

    /** The slots; package-private for tests that take them all. */
    static final Semaphore SLOTS = new Semaphore(Math.max(2, io.netty.util.NettyRuntime.availableProcessors()));

    private LargeBodyDecodes() {
    }

    /**
     * {@link Codecs#decode} of a received body, in a slot when it is large and the thread may wait; on
     * an I/O thread (handlers inline, a {@code @NonBlocking} route), never waiting: its connections
     * decode one at a time anyway.
     */
    static @Nullable Object decode(PeerContext peer, byte codec, byte[] bytes, Type type) throws CodecException {
        Codecs codecs = peer.codecs;
        if (bytes.length < MIN_BYTES || ThreadExecutorMap.currentExecutor() != null) {
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
