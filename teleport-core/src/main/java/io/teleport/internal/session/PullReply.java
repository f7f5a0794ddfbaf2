package io.teleport.internal.session;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.EncoderException;
import io.teleport.codec.Codec;
import io.teleport.codec.CodecException;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.ProtoException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reply to one inbound pull: built from the handler's value or from an error, encoded and written,
 * then {@code PostWriteReply}. A {@code PreWriteReply} error replaces the reply, so the puller learns
 * of it.
 *
 * <p>A reply that cannot be built (a value its codec rejects, a size over the read limit), or whose
 * frame the encoder refuses on the I/O thread, is answered again, each time more barely: as an error
 * without the handler's metadata and filters, then, when the echoed URI is over the URI bound (a URI of
 * invalid UTF-8 triples in size when read as text), without it, then as a fixed 500 without the pull's
 * transfer filters either. The puller matches a reply by its seq, so it hears back instead of waiting
 * for its timeout. A remote decides how often this happens,
 * so it is logged through a refusal log, not a line per pull.
 */
final class PullReply {

    private static final Logger log = LoggerFactory.getLogger(PullReply.class);
    /** {@link InboundContext#replyFallback}: the URI left out, when it is over the URI bound. */
    static final int WITHOUT_URI = 1;
    /** {@link InboundContext#replyFallback}: a fixed error, without the URI and the pull's filters. */
    static final int FIXED_ERROR = 2;
    private static final Rerror UNBUILDABLE = Rerror.of(Rerror.CODE_INTERNAL_ERROR, "Internal Server Error");

    private PullReply() {
    }

    /**
     * Answers {@code pull}: refusals and mapped errors are answered from many places, and none may
     * leave the pull unfinished whatever building its reply throws.
     */
    static void reply(InboundContext pull, @Nullable Object value, @Nullable Rerror rerror) {
        try {
            send(pull, value, rerror);
        } catch (Throwable t) {
            answerFailure(pull, t);
        }
    }

    /**
     * A failure outside the handler (a codec or plugin bug, an Error where the reply was built) must
     * still answer the puller, as a bare 500, logged a line per interval (the remote decides how often).
     * When even that cannot be built (out of memory, twice) the pull is given up: its caller waits out
     * its timeout, but the message's slot and bytes come back, or they are lost for good.
     */
    static void answerFailure(InboundContext pull, Throwable t) {
        try {
            pull.session.peer.logs.unexpectedPullLog.record("pull " + pull.safeUri() + " from "
                    + pull.session.id() + " failed outside its handler", t);
            send(pull, null, pull.session.peer.errors.internal(t));
        } catch (Throwable again) {
            pull.finish();
        }
    }

    private static void send(InboundContext pull, @Nullable Object value, @Nullable Rerror rerror) {
        DefaultSession session = pull.session;
        // The cheap tests first: most replies have no hook that may block, and no thread lookup is paid.
        if (!pull.replyHooksRan && ScopedHooks.blocks(session.peer.plugins, pull.route, Hook.PRE_WRITE_REPLY)
                && session.peer.inIoThread()) {
            // Error replies are built on the I/O thread too (refusals, a 404, a reply that could not be
            // framed), and PreWriteReply sees them: a hook that may block must not run there.
            session.peer.offIoThread(true, () -> {
                try {
                    build(pull, value, rerror);
                } catch (Throwable t) {
                    // Off the handler's own guard: the pull must still be answered and finished.
                    notBuiltOrAbandon(pull, rerror, t, true);
                }
            });
            return;
        }
        build(pull, value, rerror);
    }

    private static void build(InboundContext pull, @Nullable Object value, @Nullable Rerror rerror) {
        DefaultSession session = pull.session;
        Packet request = pull.request;
        // A barer answer leaves out the echoed URI only when that may be what did not fit: erpc v6 tells
        // an auth reply by it.
        boolean withoutUri = pull.replyFallback > 0 && uriOverBound(pull);
        Packet reply = new Packet(PacketType.REPLY).seq(request.seq()).uri(withoutUri ? "" : pull.sentUri);
        pull.reply = reply;
        if (pull.replyFallback < FIXED_ERROR) {
            reply.xferPipe(request.xferPipe());
        }
        // A handler out of time may still be setting them on another thread: its 408 leaves them out.
        if (pull.extraXfer != null && !pull.outOfTime) {
            reply.appendXfer(pull.extraXfer);
        }
        if (pull.replyMeta != null && !pull.outOfTime) {
            reply.meta(pull.replyMeta);
        }
        fill(pull, reply, value, rerror);
        if (!pull.replyHooksRan) {
            // As Go's: the hooks see every reply, errors too, whole (its body and codec already there),
            // once, not again for a barer answer; what they change is written, and an error of theirs
            // replaces a successful reply.
            pull.replyHooksRan = true;
            Rerror refused = pull.scoped(Hook.PRE_WRITE_REPLY, pull);
            // The pull is matched by the reply's seq: hooks may change the reply, not what it answers.
            reply.seq(request.seq()).type(PacketType.REPLY);
            if (refused != null && rerror == null) {
                rerror = refused;
                fill(pull, reply, null, rerror);
            }
        }
        Object frame;
        try {
            frame = SenderEncoding.encode(session, reply);
        } catch (RerrorException e) {
            notBuilt(pull, rerror, e.rerror().detail(), rerror == null ? unencodable(pull, e) : null);
            return;
        }
        // The pull is the write's listener, rather than a lambda made on this thread for the I/O thread.
        pull.answered = rerror;
        session.outbound().writeReply(pull.channel, frame, pull);
    }

    /**
     * The reply's write ended: on the connection's I/O thread, or on the writing thread when the write
     * could not start (the connection closed, or over its outbound limit).
     */
    static void written(InboundContext pull, ChannelFuture f) {
        if (!f.isSuccess() && (f.cause() instanceof EncoderException || f.cause() instanceof OutOfMemoryError)
                && f.channel().isActive()) {
            // Within the sender's estimate, over a limit once framed, or no memory to frame it: as if
            // it could not be built (a bare error reply is small), so that the caller is answered.
            notBuiltOrAbandon(pull, pull.answered, f.cause().getCause() != null ? f.cause().getCause() : f.cause(), false);
            return;
        }
        try {
            if (!f.isSuccess()) {
                log.debug("reply to {} (seq {}) not written: {}", pull.safeUri(), pull.request.seq(), String.valueOf(f.cause()));
            }
            pull.session.peer.messageLog.pullHandle(pull.session, pull.request, pull.reply, pull.startNanos,
                    !pull.handlerCalled);
        } finally {
            pull.afterReply();
        }
    }

    /**
     * {@link #notBuilt} for {@code cause} (named by its class too when {@code withClass}), or, if even
     * that fails (out of memory again), the pull given up: its slot and bytes come back.
     */
    private static void notBuiltOrAbandon(InboundContext pull, @Nullable Rerror rerror, Throwable cause,
            boolean withClass) {
        try {
            notBuilt(pull, rerror, withClass ? cause.toString() : String.valueOf(cause.getMessage()));
        } catch (Throwable again) {
            pull.finish();
        }
    }

    /** Sets the reply's error, or its body and codec. */
    private static void fill(InboundContext pull, Packet reply, @Nullable Object value, @Nullable Rerror rerror) {
        Packet request = pull.request;
        if (rerror != null) {
            // A pull ended by this side (its connection closed, its time up) says so as it is.
            rerror = fitted(pull.outOfTime ? rerror : asGateway(rerror), pull.session.peer.limits.maxMetaBytes());
            if (rerror == InboundContext.NOT_FOUND && pull.erpc()) {
                // erpc's built-in 404 says cause= with nothing after it (vector E14).
                reply.meta().set(Rerror.META_KEY, ErpcRawProto.withEmptyCause(rerror));
            } else {
                rerror.writeTo(reply.meta());
            }
            reply.bodyCodec(Packet.NO_CODEC).body(null);
        } else if (value != null) {
            byte codec = erpcDefault(pull, pull.replyBodyCodec);
            if (codec == Packet.NO_CODEC) {
                codec = request.bodyCodec() != Packet.NO_CODEC ? request.bodyCodec() : pull.session.peer.defaultCodecId;
            }
            reply.bodyCodec(codec).body(value);
        } else {
            // No body: codec 0 unless the handler chose one, as Teleport writes it (erpc v6 differs).
            reply.bodyCodec(erpcDefault(pull, pull.replyBodyCodec));
        }
    }

    /**
     * {@code rerror}, unless it is one of the codes that tell a caller how its own call ended ({@code 102}
     * connection closed, {@code 104} not sent, {@code 105} dial failed, {@code 408} no reply in time): a handler
     * (or a reply hook) that lets the failure of a call of its own through (or passes on a remote's) would tell
     * its caller that the caller's pull was not sent, which a caller may send again, though the handler ran, or
     * that the caller's own timeout passed (a mid-tier's backend too slow read as the mid-tier not answering:
     * new-user trial 14). Answered as {@code 502} Bad Gateway (erpc's code for it), the first error in the detail.
     */
    private static Rerror asGateway(Rerror rerror) {
        int code = rerror.code();
        if (code != Rerror.CODE_CONNECTION_CLOSED && code != Rerror.CODE_WRITE_FAILED && code != Rerror.CODE_DIAL_FAILED
                && code != Rerror.CODE_PULL_TIMEOUT) {
            return rerror;
        }
        return new Rerror(Rerror.CODE_BAD_GATEWAY, "Bad Gateway", "a call the handler made failed: " + code + " "
                + rerror.message() + (rerror.detail().isEmpty() ? "" : ": " + rerror.detail()));
    }

    /**
     * The error cut to what a receiver with this peer's metadata bound takes: an application's error
     * that quotes its input (a common habit) would otherwise fail the reply, or, written to a peer that
     * holds frames to that bound, close the connection and every call on it. Escaped in the
     * metadata's query form a char may take 12 bytes (four of UTF-8, each as %XX); erpc v6's status
     * field holds 65,535.
     */
    static Rerror fitted(Rerror rerror, int maxMetaBytes) {
        int room = Math.max(64, (Math.min(maxMetaBytes, 65_535) - 256) / 12);
        String message = rerror.message();
        String detail = rerror.detail();
        if (message.length() + detail.length() <= room) {
            return rerror;
        }
        int forMessage = Math.min(message.length(), Math.max(room / 2, room - detail.length()));
        return new Rerror(rerror.code(), cut(message, forMessage), cut(detail, room - forMessage));
    }

    private static String cut(String text, int keep) {
        if (text.length() <= keep) {
            return text;
        }
        int end = keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1)) ? keep - 1 : keep;
        return text.substring(0, end) + "... (" + (text.length() - end) + " chars cut)";
    }

    /** The reply could not be built or framed: answered again more barely, or, past the barest, not at all. */
    private static void notBuilt(InboundContext pull, @Nullable Rerror rerror, String why) {
        notBuilt(pull, rerror, why, null);
    }

    /** {@link #notBuilt}, a value that could not be built answered {@code instead} when given, else {@code 500}. */
    private static void notBuilt(InboundContext pull, @Nullable Rerror rerror, String why, @Nullable Rerror instead) {
        String uri = pull.replyFallback > 0 && uriOverBound(pull) ? "(without its URI)" : pull.safeUri();
        pull.session.peer.logs.unbuiltReplyLog.record("reply to " + uri + " (seq " + pull.request.seq() + ") from "
                + pull.session.id() + ": " + pull.safeText(why));
        if (rerror == null || pull.replyMeta != null || pull.extraXfer != null) {
            // As a bare error: the handler's value, reply metadata or filters may be what did not fit.
            pull.replyMeta = null;
            pull.extraXfer = null;
            send(pull, null, rerror != null ? rerror : instead != null ? instead : pull.session.peer.errors.internal("reply: " + why));
        } else if (pull.replyFallback < FIXED_ERROR) {
            // Without the URI; then, as the error's own text may quote it (a parse error does), a fixed
            // error without the pull's filters, which always fits.
            // Without the URI only when that is what may not fit: the same reply again otherwise.
            pull.replyFallback = pull.replyFallback == 0 && uriOverBound(pull) ? WITHOUT_URI : FIXED_ERROR;
            send(pull, null, pull.replyFallback == FIXED_ERROR ? UNBUILDABLE : rerror);
        } else {
            pull.session.peer.messageLog.pullHandle(pull.session, pull.request, pull.reply,
                    pull.startNanos, !pull.handlerCalled);
            pull.afterReply();
        }
    }

    /**
     * What a reply whose value could not be written answers instead: {@link #callersCodec}'s {@code 400},
     * or a {@code 500} that says the reply was over the protocol's bounds (the read limit), which is no
     * secret of the server's and tells the caller why; {@code null} for a bare {@code 500}.
     */
    private static @Nullable Rerror unencodable(InboundContext pull, RerrorException unencoded) {
        if (unencoded.getCause() instanceof ProtoException) {
            return new Rerror(Rerror.CODE_INTERNAL_ERROR, HandlerErrors.INTERNAL, "the reply could not be sent: "
                    + unencoded.rerror().detail());
        }
        return callersCodec(pull, unencoded);
    }

    /**
     * {@code 400} when the reply's value does not fit the codec the caller chose for its pull, which the
     * reply took (the handler chose none): a protobuf pull to a route that returns a number. {@code null}
     * for any other failure, a {@code 500}: the handler's own codec, or the peer's default, is the
     * server's to fit.
     */
    private static @Nullable Rerror callersCodec(InboundContext pull, RerrorException unencoded) {
        // The codec the reply took: the pull's, or on erpc v6 the one it asked its reply in.
        byte codec = pull.reply != null ? pull.reply.bodyCodec() : pull.request.bodyCodec();
        Codec chosen = pull.session.peer.codecs.get(codec);
        if (!(unencoded.getCause() instanceof CodecException) || pull.replyBodyCodec != Packet.NO_CODEC
                || codec == Packet.NO_CODEC || codec == pull.session.peer.defaultCodecId || chosen == null) {
            return null;
        }
        return new Rerror(Rerror.CODE_BAD_PACKET, pull.erpc() ? "Bad Message" : "Bad Packet", "the reply cannot be "
                + "encoded with the codec the pull was sent with (" + chosen.name() + "): send it with another");
    }

    /** Whether the URI a reply echoes is over the URI bound a receiver holds it to. */
    private static boolean uriOverBound(InboundContext pull) {
        return ByteBufUtil.utf8Bytes(pull.sentUri) > pull.session.peer.limits.maxUriBytes();
    }

    /** On erpc v6, a reply codec the handler did not choose follows erpc's rule, body or not. */
    private static byte erpcDefault(InboundContext pull, byte chosen) {
        return chosen != Packet.NO_CODEC || !pull.erpc() ? chosen
                : ErpcRawProto.replyCodec(pull.request, pull.session.peer.codecs);
    }
}
