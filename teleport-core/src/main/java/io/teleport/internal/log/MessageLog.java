package io.teleport.internal.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.teleport.codec.Codecs;
import io.teleport.config.MessageLogFormat;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.proto.ErpcRawProto;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-message log on the logger {@code io.teleport.message}: one entry per pull launched or
 * handled and per push sent or handled. By default one {@code key=value} line at DEBUG, so that a
 * production log has nothing per message unless asked; Go Teleport v3's multi-line entries at INFO
 * with {@link MessageLogFormat#MULTI_LINE}. A call at least as slow as the slow-comet threshold is
 * an alarm: WARN, in either shape. Nothing is formatted unless the entry will be written.
 */
public final class MessageLog {

    static final String LOGGER = "io.teleport.message";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final Codecs codecs;
    private final boolean printBody;
    private final boolean countTime;
    private final boolean multiLine;
    private final long slowNanos;
    private final int bodyLimit;
    private final MessageText format;
    private final MessageText credentialFormat;
    private final int valueLimit;
    private final LineRate rate;
    /**
     * The share of {@link #rate} for pulls answered before their handler ran (a refusal: the auth gate's
     * {@code 401}, a {@code 404}, a {@code 503}): a tenth, so that peers that never get past the gate cannot
     * keep the log at its whole rate (hostile round 21: 1,000 entries a second from unauthenticated pulls).
     */
    private final LineRate refusedRate;
    private final LineRate slowRate;

    /** The log of a peer with {@code config}; {@code logs}: where its entries past the rate are counted. */
    public MessageLog(PeerConfig config, Codecs codecs, RefusalLogs logs) {
        this.codecs = codecs;
        this.printBody = config.printBody();
        this.bodyLimit = config.limits().printBodyLimit();
        this.countTime = config.countTime();
        this.multiLine = config.messageLogFormat() == MessageLogFormat.MULTI_LINE;
        long slow = config.slowCometDuration().toNanos();
        this.slowNanos = slow <= 0 ? Long.MAX_VALUE : slow;
        if (slow > 0 && !countTime) {
            // As in Go, the alarm needs the time counted; said once, or a setting quietly does nothing (trial 18).
            LoggerFactory.getLogger(MessageLog.class).warn("slow-comet-duration ({}) is set but count-time is off: slow"
                    + " calls are counted in the meters but not logged; set count-time to true for the alarms",
                    GoDuration.format(slow));
        }
        this.valueLimit = config.limits().logValueLimit();
        this.rate = new LineRate(config.limits().messageLogRate(), java.util.concurrent.TimeUnit.SECONDS.toNanos(1),
                logs.open(log, "message log entries left out past"
                + " limits.message-log-rate (" + config.limits().messageLogRate() + " per second)"));
        // Zero is every entry, refused pulls' too.
        int perSecond = config.limits().messageLogRate();
        int refusedPerSecond = perSecond == 0 ? 0 : Math.max(1, perSecond / 10);
        this.refusedRate = new LineRate(refusedPerSecond, java.util.concurrent.TimeUnit.SECONDS.toNanos(1),
                logs.open(log, "message log entries of pulls refused before their handler left out past a tenth of"
                + " limits.message-log-rate (" + refusedPerSecond + " per second)"));
        this.slowRate = new LineRate(config.limits().slowCallLogRate(), java.util.concurrent.TimeUnit.SECONDS.toNanos(1),
                logs.open(log, "slow-call alarms left out past limits.slow-call-log-rate ("
                + config.limits().slowCallLogRate() + " per second)"));
        this.format = new MessageText(countTime, printBody, valueLimit, bodyLimit, multiLine);
        this.credentialFormat = format.forCredentials();
    }

    /**
     * The shape of {@code first}'s entry: the authentication handshake's bodies (the token, and what
     * the verifier answers) are never printed, whatever {@code printBody} says.
     */
    private MessageText formatOf(Packet first) {
        if (!printBody) {
            return format;
        }
        String uri = first.uri();
        boolean handshake = uri.startsWith(ErpcRawProto.AUTH_URI)
                && (uri.length() == ErpcRawProto.AUTH_URI.length() || uri.charAt(ErpcRawProto.AUTH_URI.length()) == '?');
        return handshake ? credentialFormat : format;
    }

    /** The cost since {@code startNanos}; 0 when costs are not counted. */
    private long cost(long startNanos) {
        return countTime ? System.nanoTime() - startNanos : 0;
    }

    /** Whether an entry that is not slow is written. */
    private boolean normalEnabled() {
        return multiLine ? log.isInfoEnabled() : log.isDebugEnabled();
    }

    /**
     * Keeps the start of an outgoing body's wire form in the packet, when bodies are printed, so
     * that the entry written later (on an I/O thread) needs no codec. Runs on the sending thread.
     */
    public void capture(Packet packet) {
        Object body = packet.body();
        boolean mayWrite = normalEnabled() || (countTime && slowNanos != Long.MAX_VALUE && log.isWarnEnabled());
        if (!printBody || body == null || !mayWrite) {
            return;
        }
        ByteBuf encoded = packet.encodedBody();
        ByteBuf buf = encoded != null ? encoded : Unpooled.buffer();
        try {
            if (encoded == null) {
                codecs.encode(packet.bodyCodec(), body, buf);
            }
            byte[] head = new byte[headLength(buf.readableBytes())];
            buf.getBytes(buf.readerIndex(), head);
            packet.bodyBytes(head);
        } catch (RuntimeException e) {
            // The frame's own encoding reports the failure; the log just goes without the body. Never
            // thrown to the sender, which holds the marshalled body and would have to give it back.
        } finally {
            if (encoded == null) {
                buf.release();
            }
        }
    }

    /** The bytes of a body to keep for its entry: one past the limit tells the printer there was more. */
    private int headLength(int readable) {
        // As a long: a limit of Integer.MAX_VALUE means "all of it", not an overflow.
        return (int) Math.min(readable, (long) bodyLimit + 1);
    }

    /** A pull of this side got its reply. */
    public void pullLaunch(MessageSource session, Packet request, Packet reply, long start) {
        write(MessageKind.PULL_LAUNCH, session, start, request, reply, false);
    }

    /**
     * A pull from the other side was answered; {@code refused}: before its handler ran, and so within a
     * tenth of the log's rate.
     */
    public void pullHandle(MessageSource session, Packet request, Packet reply, long start, boolean refused) {
        write(MessageKind.PULL_HANDLE, session, start, request, reply, refused);
    }

    /** A push of this side was written. */
    public void pushLaunch(MessageSource session, Packet push, long start) {
        write(MessageKind.PUSH_LAUNCH, session, start, push, null, false);
    }

    /** A push from the other side was handled. */
    public void pushHandle(MessageSource session, Packet push, long start) {
        write(MessageKind.PUSH_HANDLE, session, start, push, null, false);
    }

    // The session, not its address and id: they are read only for an entry that is written.
    private void write(MessageKind kind, MessageSource session, long start, Packet first, @Nullable Packet reply,
            boolean refused) {
        long cost = cost(start);
        if (cost >= slowNanos) {
            if (log.isWarnEnabled() && admitted(slowRate, kind, first)) {
                log.warn("{}", formatOf(first).format(kind, session.remoteAddress(), session.ownId(), first, reply, cost,
                        true));
            }
        } else if (normalEnabled() && admitted(refused ? refusedRate : rate, kind, first)) {
            String entry = formatOf(first).format(kind, session.remoteAddress(), session.ownId(), first, reply, cost, false);
            if (multiLine) {
                log.info("{}", entry);
            } else {
                log.debug("{}", entry);
            }
        }
    }

    /** Whether the entry is within {@code rate}; if not, it is counted as left out. */
    private boolean admitted(LineRate rate, MessageKind kind, Packet first) {
        if (rate.admit()) {
            return true;
        }
        rate.leftOut(kind.text + " " + LogText.safe(first.uri(), valueLimit));
        return false;
    }
}
