package io.teleport.internal.log;

import io.teleport.message.Packet;
import io.teleport.message.Rerror;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;

import java.net.SocketAddress;

/**
 * One line per message in logfmt's {@code key=value} form, which log pipelines parse without a
 * pattern and which stays one event with structured logging:
 * {@code kind=pull-launch remote=127.0.0.1:9090 seq=0 uri=/home/test status=ok cost=1.2ms size=40 reply-size=31},
 * with {@code id=} after the address when the session has an id of its own (see {@code Session.setId}).
 * A failed pull has {@code status=<code> reason="<message>"} (and {@code detail}); values with
 * spaces, quotes or {@code =} are quoted.
 */
final class KeyValueFormat {

    private KeyValueFormat() {
    }

    /** See {@link MessageText#format}. */
    static String format(MessageText text, MessageKind kind, SocketAddress remote, @Nullable String id, Packet first,
            @Nullable Packet reply, long cost, boolean slow) {
        int valueLimit = text.valueLimit;
        boolean pull = kind == MessageKind.PULL_LAUNCH || kind == MessageKind.PULL_HANDLE;
        StringBuilder sb = new StringBuilder(128).append("kind=").append(kind.text);
        value(sb, "remote", Addresses.format(remote));
        if (id != null) {
            // An id an auth verifier or the application gave it (setId): the player, device or service (trial 18).
            value(sb, "id", LogText.safe(id, valueLimit));
        }
        sb.append(" seq=").append(Long.toUnsignedString(first.seq()));
        value(sb, "uri", LogText.safe(first.uri(), valueLimit));
        if (pull) {
            status(sb, reply, valueLimit);
        }
        if (text.countTime) {
            sb.append(" cost=").append(GoDuration.format(cost));
        }
        if (slow) {
            sb.append(" slow=true");
        }
        sb.append(" size=").append(first.size());
        if (pull) {
            sb.append(" reply-size=").append(reply == null ? 0 : reply.size());
        }
        if (text.printBody) {
            value(sb, "body", text.bodyText(first));
            if (pull && reply != null) {
                value(sb, "reply-body", text.bodyText(reply));
            }
        }
        return sb.toString();
    }

    private static void status(StringBuilder sb, @Nullable Packet reply, int valueLimit) {
        Rerror error = reply != null && reply.hasMeta() ? Rerror.fromMeta(reply.meta()) : null;
        if (error == null) {
            sb.append(" status=ok");
            return;
        }
        sb.append(" status=").append(error.code());
        if (!error.message().isEmpty()) {
            value(sb, "reason", LogText.safe(error.message(), valueLimit));
        }
        if (!error.detail().isEmpty()) {
            value(sb, "detail", LogText.safe(error.detail(), valueLimit));
        }
    }

    /** Appends {@code  key=value}, quoting the value when logfmt needs it. */
    private static void value(StringBuilder sb, String key, String value) {
        sb.append(' ').append(key).append('=');
        boolean quote = value.isEmpty();
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ' ' || c == '"' || c == '=' || c == '\\';
        }
        if (!quote) {
            sb.append(value);
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }
}
