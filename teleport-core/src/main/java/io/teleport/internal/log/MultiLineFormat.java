package io.teleport.internal.log;

import io.teleport.message.Packet;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;

import java.net.SocketAddress;

/**
 * Go Teleport v3's entry, for those who read its logs: a head line
 * ({@code [pull-launch] remote-ip: ... | seq: ... | cost-time: ... | uri: ... |}), then a section per
 * packet ({@code SEND:} or {@code RECV:}) with its size, a pull reply's status and the body.
 */
final class MultiLineFormat {

    private MultiLineFormat() {
    }

    /** See {@link MessageText#format}. */
    static String format(MessageText text, MessageKind kind, SocketAddress remote, Packet first,
            @Nullable Packet reply, long cost, boolean slow) {
        StringBuilder sb = head(text, kind, remote, first, cost, slow);
        sb.append(kind.sentFirst ? "\nSEND:" : "\nRECV:");
        section(text, sb, first, null);
        if (kind == MessageKind.PULL_LAUNCH || kind == MessageKind.PULL_HANDLE) {
            sb.append(kind.sentFirst ? "\nRECV:" : "\nSEND:");
            String status = text.errorJson(reply);
            section(text, sb, reply, status == null ? "" : status);
        }
        return sb.toString();
    }

    private static StringBuilder head(MessageText text, MessageKind kind, SocketAddress remote, Packet packet,
            long cost, boolean slow) {
        StringBuilder sb = new StringBuilder(160).append('[').append(kind.text).append("] remote-ip: ")
                .append(Addresses.format(remote)).append(" | seq: ").append(Long.toUnsignedString(packet.seq()))
                .append(" | ");
        if (text.countTime) {
            sb.append("cost-time: ").append(GoDuration.format(cost));
            if (slow) {
                sb.append("(slow)");
            }
            sb.append(" | ");
        }
        String uri = LogText.safe(packet.uri(), text.valueLimit);
        sb.append("uri: ").append(uri);
        for (int pad = uri.length(); pad < 30; pad++) {
            sb.append(' ');
        }
        return sb.append(" |");
    }

    private static void section(MessageText text, StringBuilder sb, @Nullable Packet packet, @Nullable String status) {
        sb.append("\n size: ").append(packet == null ? 0 : packet.size());
        if (status != null) {
            sb.append("\n status: ").append(status);
        }
        if (text.printBody && packet != null) {
            sb.append('\n').append(packet.bodyCodec() == 'j' ? " body-json: " : " body: ").append(text.bodyText(packet));
        }
    }
}
