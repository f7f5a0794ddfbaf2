package io.teleport.internal.log;

import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import org.jspecify.annotations.Nullable;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Writes one message's log entry as text, in the configured shape ({@link KeyValueFormat} or
 * {@link MultiLineFormat}), and holds what both shapes print about a packet: its reply status and
 * its body, remote text made safe and cut.
 */
final class MessageText {

    final boolean countTime;
    final boolean printBody;
    final int valueLimit;
    private final int bodyLimit;
    private final boolean multiLine;
    /** Bodies are credentials (the authentication handshake's token): named, never printed. */
    private final boolean credentials;

    MessageText(boolean countTime, boolean printBody, int valueLimit, int bodyLimit, boolean multiLine) {
        this(countTime, printBody, valueLimit, bodyLimit, multiLine, false);
    }

    private MessageText(boolean countTime, boolean printBody, int valueLimit, int bodyLimit, boolean multiLine,
            boolean credentials) {
        this.countTime = countTime;
        this.printBody = printBody;
        this.valueLimit = valueLimit;
        this.bodyLimit = bodyLimit;
        this.multiLine = multiLine;
        this.credentials = credentials;
    }

    /** The same shape, for messages whose bodies are credentials. */
    MessageText forCredentials() {
        return new MessageText(countTime, printBody, valueLimit, bodyLimit, multiLine, true);
    }

    /**
     * The entry of {@code first} (the pull or push) and, for pulls, its {@code reply}.
     *
     * @param cost nanoseconds, 0 when time is not counted
     */
    String format(MessageKind kind, SocketAddress remote, @Nullable String id, Packet first, @Nullable Packet reply, long cost,
            boolean slow) {
        // Go's lines name the remote address only; ours name the session too when it has an id of its own.
        return multiLine ? MultiLineFormat.format(this, kind, remote, first, reply, cost, slow)
                : KeyValueFormat.format(this, kind, remote, id, first, reply, cost, slow);
    }

    /** The raw error JSON a reply carries, safe to log; {@code null} for a reply without error. */
    final @Nullable String errorJson(@Nullable Packet reply) {
        String status = reply != null && reply.hasMeta() ? reply.meta().peek(Rerror.META_KEY) : null;
        return status == null ? null : LogText.safe(status, valueLimit);
    }

    /** At most the print limit of the body, as text, escaped, with its size when it was cut. */
    final String bodyText(Packet packet) {
        if (credentials) {
            return "<credential, not printed>";
        }
        byte[] bytes = packet.bodyBytes();
        Object body = packet.body();
        if (body != null && bytes.length == 0) {
            // Not captured (encoding failed, or logging was off then): never encode here.
            return "<" + body.getClass().getSimpleName() + ">";
        }
        if (bytes.length == 0) {
            return "null";
        }
        if (packet.bodyCodec() == 'p') {
            return body != null ? "<protobuf>" : "<" + bytes.length + " bytes protobuf>";
        }
        int shown = Math.min(bytes.length, bodyLimit);
        String text = LogText.safe(new String(bytes, 0, shown, StandardCharsets.UTF_8), Integer.MAX_VALUE);
        if (shown < bytes.length) {
            text += body != null ? "...(cut)" : "...(" + bytes.length + " bytes)";
        }
        return text;
    }
}
