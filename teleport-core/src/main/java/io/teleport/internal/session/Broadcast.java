package io.teleport.internal.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.teleport.internal.log.LogText;
import io.teleport.codec.CodecException;
import io.teleport.codec.Codecs;
import io.teleport.codec.PreEncoded;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.session.CallOption;
import io.teleport.session.CallSpec;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * One push to many sessions ({@code Peer.pushAll}): the body is encoded once, and each I/O thread
 * writes its own sessions' frames in one task. Sessions that read too slowly (not writable) are
 * skipped and counted, so one slow reader neither holds up the broadcast nor makes the peer queue
 * without bound.
 */
public final class Broadcast {

    private static final Logger log = LoggerFactory.getLogger(Broadcast.class);

    private Broadcast() {
    }

    /**
     * Pushes to every live session {@code selector} accepts.
     *
     * @return completes with the number of sessions the push was handed to, once each has been
     *     handed it or skipped
     */
    public static CompletableFuture<Integer> push(PeerContext context, String uri, @Nullable Object body,
            Predicate<Session> selector, CallOption... options) {
        Objects.requireNonNull(uri, "uri");
        // The codec the options choose, to encode the body once for all.
        Packet probe = new Packet(PacketType.PUSH).bodyCodec(context.defaultCodecId());
        for (CallOption option : options) {
            option.apply(new CallSpec() {
                @Override
                public Packet packet() {
                    return probe;
                }

                @Override
                public void timeout(Duration timeout) {
                }
            });
        }
        PreEncoded encoded = body == null ? new PreEncoded(new byte[0]) : encodeOnce(context.codecs, probe.bodyCodec(), body);
        Map<EventLoop, List<DefaultSession>> byLoop = new HashMap<>();
        context.hub().forEach(session -> {
            if (selector.test(session)) {
                DefaultSession s = (DefaultSession) session;
                byLoop.computeIfAbsent(s.channel().eventLoop(), loop -> new ArrayList<>()).add(s);
            }
            return true;
        });
        CompletableFuture<Integer> result = new CompletableFuture<>();
        if (byLoop.isEmpty()) {
            result.complete(0);
            return result;
        }
        // One buffer for the body of every frame (a large body), freed once the last frame's write has ended.
        SharedBody shared = SharedBody.of(encoded.bytes(), context.slowReaders);
        // Counted per I/O thread and summed once per thread: a shared counter per session would bounce
        // its cache line between the threads ten thousand times for one broadcast.
        AtomicInteger loopsLeft = new AtomicInteger(byLoop.size());
        AtomicInteger written = new AtomicInteger();
        // What the sessions reached hold queued, this push included: past the peer's outbound bound, a
        // session that has not written out what it holds is passed by. Each may hold up to its high
        // water mark unnoticed, and thousands of peers that read nothing would hold all memory together.
        AtomicLong queued = new AtomicLong();
        // What each frame adds to what the sessions hold: its header only, when the body is shared and counted once.
        long frameSize = SenderEncoding.FRAME_OVERHEAD + uri.length() + (shared == null ? encoded.bytes().length : 0);
        // Push hooks of plugins that may block run where blocking is allowed, as a single push's do:
        // then each thread's sessions are handed their frames from a blocking-allowed thread instead.
        boolean hooksBlock = context.plugins.blocks(Hook.PRE_WRITE_PUSH);
        byLoop.forEach((loop, sessions) -> {
            try {
                Executor runner = hooksBlock ? context::runBlocking : loop;
                runner.execute(() -> {
                    int handed = 0;
                    int i = 0;
                    try {
                        for (; i < sessions.size(); i++) {
                            DefaultSession s = sessions.get(i);
                            if (behind(context, s, queued, frameSize, uri)) {
                                continue;
                            }
                            handed += pushTo(s, uri, encoded, shared, options) ? 1 : 0;
                        }
                    } catch (OutOfMemoryError e) {
                        // No direct memory left for a frame: the rest of this thread's sessions are skipped.
                        context.counters.broadcastSkipped.add(sessions.size() - i);
                        context.logs.unframedLog.record("broadcast " + LogText.safe(uri, context.limits.logValueLimit())
                                + " skipped " + (sessions.size() - i) + " sessions: " + e.getMessage());
                    } finally {
                        written.addAndGet(handed);
                        loopDone(loopsLeft, shared, result, written);
                    }
                });
            } catch (RejectedExecutionException e) {
                // A stopped I/O thread (the peer shutting down): its sessions are closing and get nothing,
                // while the other threads' sessions still do and the future still completes.
                loopDone(loopsLeft, shared, result, written);
            }
        });
        return result;
    }

    /** One I/O thread's sessions have their frames: after the last, the body is the frames' alone. */
    private static void loopDone(AtomicInteger loopsLeft, @Nullable SharedBody shared, CompletableFuture<Integer> result,
            AtomicInteger written) {
        if (loopsLeft.decrementAndGet() == 0) {
            if (shared != null) {
                shared.release();
            }
            result.complete(written.get());
        }
    }

    /**
     * Whether {@code session} is passed by: it holds bytes not yet written out, which with what the
     * sessions this push reached hold pass the peer's outbound bound ({@code Limits.maxOutboundBytes}).
     * Broadcast bodies that frames share count once (see {@link SharedBody}).
     */
    private static boolean behind(PeerContext context, DefaultSession session, AtomicLong queued, long frameSize,
            String uri) {
        long holds = session.outbound().ownBytes();
        if (holds == 0) {
            // Wrote out all it had: its frame most likely goes straight to the socket. Nothing shared is touched.
            return false;
        }
        // Counted whether or not it is passed by: what it holds is held all the same.
        long before = queued.getAndAdd(holds);
        if (before + holds + context.slowReaders.sharedBodyBytes() > context.limits.maxOutboundBytes()) {
            session.outbound().skipBroadcast(uri, ": it holds " + holds + " bytes unwritten, and the sessions "
                    + "reached hold over " + context.limits.maxOutboundBytes());
            return true;
        }
        queued.addAndGet(frameSize);
        return false;
    }

    private static boolean pushTo(DefaultSession session, String uri, PreEncoded encoded, @Nullable SharedBody shared,
            CallOption[] options) {
        try {
            return session.pushEncoded(uri, encoded, shared, options);
        } catch (RuntimeException e) {
            // One session's failure (a call option that throws for it) must not end the broadcast for the rest.
            log.warn("broadcast to {} failed", session.id(), e);
            return false;
        }
    }

    private static PreEncoded encodeOnce(Codecs codecs, byte codec, Object body) {
        if (body instanceof PreEncoded) {
            return (PreEncoded) body;
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            codecs.encode(codec, body, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return new PreEncoded(bytes);
        } catch (CodecException e) {
            throw new RerrorException(new Rerror(Rerror.CODE_WRITE_FAILED, "Write Failed", e.getMessage()), e);
        } finally {
            buf.release();
        }
    }
}
