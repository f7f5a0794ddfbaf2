package io.teleport.internal.session;

import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.teleport.codec.CodecException;
import io.netty.util.internal.ThreadExecutorMap;
import io.teleport.codec.Codecs;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Decodes received bodies of {@link #MIN_BYTES} or more at most one per core at once, in the whole JVM.
 *
 * <p>The inbound budget counts a body's bytes, but decoded it may take many times that (twenty for
 * JSON of empty objects, until the codec's token limit refuses it), and the remote chooses what it
 * sends: sixteen gzip frames of 4 KB each, inflating to 4 MB of such JSON, decoded on sixteen handler
 * threads at once ran a 256 MB server out of heap. Decoding is computing, so more at once than there
 * are cores only adds memory, not speed; smaller bodies, which cannot take much each, are not held up.
 *
 * <p>Replies that large are read on threads of their own ({@link #readOffIoThread}): a reply is read
 * on its connection's I/O thread, in order with what follows it, and decoding a large one there held
 * every other connection of the thread (a 4 KB gzip reply inflating to 4 MB of JSON, 30 to 80 ms).
 */
public final class LargeBodyDecodes {

    /** The smallest body whose decoding waits for a slot. */
    static final int MIN_BYTES = 256 * 1024;

    private static final int THREADS = Math.max(2, NettyRuntime.availableProcessors());

    /** The slots; package-private for tests that take them all. */
    static final Semaphore SLOTS = new Semaphore(THREADS);

    private LargeBodyDecodes() {
    }

    /** Whether a received body is one whose decoding waits for a slot, and a reply of it is read off the I/O thread. */
    public static boolean large(byte[] body) {
        return body.length >= MIN_BYTES;
    }

    /**
     * Runs {@code read}, the reading of a large reply, on a thread of the JVM's reply readers: not a
     * handler thread, which may be the very one waiting for the reply. There are as many as slots, as
     * they decode in one; a connection hands over one reply at a time (it is not read meanwhile), so
     * the queue holds at most one per connection.
     */
    public static void readOffIoThread(Runnable read) {
        ReplyReaders.POOL.execute(read);
    }

    /** Made when the first large reply comes: most peers never see one. */
    private static final class ReplyReaders {
        static final Executor POOL = newPool();

        private static Executor newPool() {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), new DefaultThreadFactory("teleport-reply-read", true));
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
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
