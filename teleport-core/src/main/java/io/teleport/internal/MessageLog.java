package io.teleport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.teleport.PeerConfig;
import io.teleport.Rerror;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
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
final class MessageLog {

    static final String LOGGER = "io.teleport.message";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);

    private final Codecs codecs;
    private final boolean printBody;
    private final boolean countTime;
    private final long slowNanos;

    MessageLog(PeerConfig config, Codecs codecs) {
        this.codecs = codecs;
        this.printBody = config.printBody();
        this.countTime = config.countTime();
        long slow = config.slowCometDuration().toNanos();
        this.slowNanos = slow <= 0 ? Long.MAX_VALUE : slow;
    }

    /** The cost since {@code startNanos}; 0 when costs are not counted. */
    private long cost(long startNanos) {
        return countTime ? System.nanoTime() - startNanos : 0;
    }

    /** A pull of this side got its reply. */
    void pullLaunch(SocketAddress remote, Packet request, Packet reply, long start) {
        write("[pull-launch]", remote, start, "\nSEND:", request, "\nRECV:", reply);
    }

    /** A pull from the other side was answered. */
    void pullHandle(SocketAddress remote, Packet request, Packet reply, long start) {
        write("[pull-handle]", remote, start, "\nRECV:", request, "\nSEND:", reply);
    }

    /** A push of this side was written. */
    void pushLaunch(SocketAddress remote, Packet push, long start) {
        write("[push-launch]", remote, start, "\nSEND:", push, null, null);
    }

    /** A push from the other side was handled. */
    void pushHandle(SocketAddress remote, Packet push, long start) {
        write("[push-handle]", remote, start, "\nRECV:", push, null, null);
    }

    /** One line: the head, the first packet's section, and for pulls the reply's with its status. */
    private void write(String kind, SocketAddress remote, long start, String firstLabel, Packet first,
            String replyLabel, Packet reply) {
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
        sb.append("uri: ").append(packet.uri());
        for (int pad = packet.uri().length(); pad < 30; pad++) {
            sb.append(' ');
        }
        return sb.append(" |");
    }

    private static String status(Packet reply) {
        return reply != null && reply.hasMeta() ? String.valueOf(reply.meta().peek(Rerror.META_KEY) == null ? ""
                : reply.meta().peek(Rerror.META_KEY)) : "";
    }

    private void section(StringBuilder sb, Packet packet, String status) {
        sb.append("\n size: ").append(packet == null ? 0 : packet.size());
        if (status != null) {
            sb.append("\n status: ").append(status);
        }
        if (printBody && packet != null) {
            sb.append('\n').append(packet.bodyCodec() == 'j' ? " body-json: " : " body: ").append(bodyText(packet));
        }
    }

    private String bodyText(Packet packet) {
        Object body = packet.body();
        if (body != null) {
            if (body instanceof byte[]) {
                return new String((byte[]) body, StandardCharsets.UTF_8);
            }
            if (packet.bodyCodec() == 'j' || packet.bodyCodec() == 's') {
                // Printed as it goes on the wire, as Teleport prints bodies as JSON.
                ByteBuf buf = Unpooled.buffer();
                try {
                    codecs.encode(packet.bodyCodec(), body, buf);
                    return buf.toString(StandardCharsets.UTF_8);
                } catch (RuntimeException e) {
                    return String.valueOf(body);
                } finally {
                    buf.release();
                }
            }
            return String.valueOf(body);
        }
        byte[] bytes = packet.bodyBytes();
        if (bytes.length == 0) {
            return "null";
        }
        return packet.bodyCodec() == 'p' ? "<" + bytes.length + " bytes protobuf>" : new String(bytes, StandardCharsets.UTF_8);
    }
}
