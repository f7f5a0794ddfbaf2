package io.teleport.internal.log;

import io.teleport.transport.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Teleport v3's per-message log lines ({@code [pull-launch]}, {@code [pull-handle]},
 * {@code [push-launch]}, {@code [push-handle]}) on the logger {@code io.teleport.message}: INFO, or
 * WARN with {@code (slow)} when the cost reaches the slow-comet threshold. Nothing is formatted
 * unless the line will be written.
 */
public final class MessageLog {

    static final String LOGGER = "io.teleport.message";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final Codecs codecs;
    private final boolean printBody;
    private final boolean countTime;
    private final long slowNanos;
    private final int valueLimit;
    private final int bodyLimit;

    public MessageLog(PeerConfig config, Codecs codecs) {
        this.codecs = codecs;
        this.printBody = config.printBody();
        this.valueLimit = config.limits().logValueLimit();
        this.bodyLimit = config.limits().printBodyLimit();
        this.countTime = config.countTime();
        long slow = config.slowCometDuration().toNanos();
        this.slowNanos = slow <= 0 ? Long.MAX_VALUE : slow;
    }

    /** The cost since {@code startNanos}; 0 when costs are not counted. */
    private long cost(long startNanos) {
        return countTime ? System.nanoTime() - startNanos : 0;
    }

    /**
     * Keeps the start of an outgoing body's wire form in the packet, when bodies are printed, so
     * that the line written later (on an I/O thread) needs no codec. Runs on the sending thread.
     */
    public void capture(Packet packet) {
        Object body = packet.body();
        if (!printBody || body == null || !log.isInfoEnabled()) {
            return;
        }
        byte[] encoded = packet.encodedBody();
        if (encoded != null) {
            // One byte past the limit tells the printer that there was more.
            packet.bodyBytes(java.util.Arrays.copyOf(encoded, Math.min(encoded.length, bodyLimit + 1)));
            return;
        }
        ByteBuf buf = Unpooled.buffer();
        try {
            codecs.encode(packet.bodyCodec(), body, buf);
            // One byte past the limit tells the printer that there was more.
            byte[] head = new byte[Math.min(buf.readableBytes(), bodyLimit + 1)];
            buf.getBytes(buf.readerIndex(), head);
            packet.bodyBytes(head);
        } catch (RuntimeException e) {
            // The frame's own encoding reports the failure; the log just goes without the body.
        } finally {
            buf.release();
        }
    }

    /** A pull of this side got its reply. */
    public void pullLaunch(SocketAddress remote, Packet request, Packet reply, long start) {
        write("[pull-launch]", remote, start, "\nSEND:", request, "\nRECV:", reply);
    }

    /** A pull from the other side was answered. */
    public void pullHandle(SocketAddress remote, Packet request, Packet reply, long start) {
        write("[pull-handle]", remote, start, "\nRECV:", request, "\nSEND:", reply);
    }

    /** A push of this side was written. */
    public void pushLaunch(SocketAddress remote, Packet push, long start) {
        write("[push-launch]", remote, start, "\nSEND:", push, null, null);
    }

    /** A push from the other side was handled. */
    public void pushHandle(SocketAddress remote, Packet push, long start) {
        write("[push-handle]", remote, start, "\nRECV:", push, null, null);
    }

    /** One line: the head, the first packet's section, and for pulls the reply's with its status. */
    private void write(String kind, SocketAddress remote, long start, String firstLabel, Packet first,
            @Nullable String replyLabel, @Nullable Packet reply) {
        long cost = cost(start);
        boolean slow = cost >= slowNanos;
        if (!(slow ? log.isWarnEnabled() : log.isInfoEnabled())) {
            return;
        }
        StringBuilder sb = head(kind, remote, first, cost, slow);
        sb.append(firstLabel);
        section(sb, first, null);
        if (replyLabel != null) {
            sb.append(replyLabel);
            section(sb, reply, status(reply));
        }
        if (slow) {
            log.warn("{}", sb);
        } else {
            log.info("{}", sb);
        }
    }

    private StringBuilder head(String kind, SocketAddress remote, Packet packet, long cost, boolean slow) {
        StringBuilder sb = new StringBuilder(160).append(kind).append(" remote-ip: ").append(Addresses.format(remote))
                .append(" | seq: ").append(Long.toUnsignedString(packet.seq())).append(" | ");
        if (countTime) {
            sb.append("cost-time: ").append(GoDuration.format(cost));
            if (slow) {
                sb.append("(slow)");
            }
            sb.append(" | ");
        }
        String uri = LogText.safe(packet.uri(), valueLimit);
        sb.append("uri: ").append(uri);
        for (int pad = uri.length(); pad < 30; pad++) {
            sb.append(' ');
        }
        return sb.append(" |");
    }

    private String status(@Nullable Packet reply) {
        String status = reply != null && reply.hasMeta() ? reply.meta().peek(Rerror.META_KEY) : null;
        return status == null ? "" : LogText.safe(status, valueLimit);
    }

    private void section(StringBuilder sb, @Nullable Packet packet, @Nullable String status) {
        sb.append("\n size: ").append(packet == null ? 0 : packet.size());
        if (status != null) {
            sb.append("\n status: ").append(status);
        }
        if (printBody && packet != null) {
            sb.append('\n').append(packet.bodyCodec() == 'j' ? " body-json: " : " body: ").append(bodyText(packet));
        }
    }

    /** At most the print limit of the body, as text, escaped, with its size when it was cut. */
    private String bodyText(Packet packet) {
        byte[] bytes = packet.bodyBytes();
        boolean outgoing = packet.body() != null;
        if (outgoing && bytes.length == 0) {
            // Not captured (encoding failed, or logging was off then): never encode here.
            return "<" + packet.body().getClass().getSimpleName() + ">";
        }
        if (bytes.length == 0) {
            return "null";
        }
        if (packet.bodyCodec() == 'p') {
            return outgoing ? "<protobuf>" : "<" + bytes.length + " bytes protobuf>";
        }
        int shown = Math.min(bytes.length, bodyLimit);
        String text = LogText.safe(new String(bytes, 0, shown, StandardCharsets.UTF_8), Integer.MAX_VALUE);
        if (shown < bytes.length) {
            text += outgoing ? "...(cut)" : "...(" + bytes.length + " bytes)";
        }
        return text;
    }
}
