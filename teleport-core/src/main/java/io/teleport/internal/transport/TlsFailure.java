package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.teleport.internal.log.LogText;
import io.teleport.internal.session.DefaultSession;
import io.teleport.transport.Addresses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.channels.ClosedChannelException;

/**
 * One connection's TLS failure, said at WARN (at most one line per interval for each side, since the
 * other side decides how often this happens) and counted, once however many ways it is noticed (the
 * handshake's failure and the exception that caused it).
 */
final class TlsFailure {

    private static final Logger log = LoggerFactory.getLogger(TlsFailure.class);

    private final DefaultSession session;
    private boolean reported;

    TlsFailure(DefaultSession session) {
        this.session = session;
    }

    /** The TLS error in {@code cause}: itself, or the one it wraps. */
    static Throwable reason(Throwable cause) {
        return cause instanceof SSLException || cause.getCause() == null ? cause : cause.getCause();
    }

    /** Says and counts a TLS handshake that failed, or a TLS error that closes {@code channel}. */
    void report(Channel channel, Throwable cause) {
        Throwable reason = reason(cause);
        if (reason instanceof ClosedChannelException && (!session.dialed() || session.peer.closing)) {
            // Closed before the handshake ended, most often before a byte was sent: a TCP health probe
            // or a port scan, every few seconds for the life of a pod; or a dial this peer's own
            // shutdown ended. Not a TLS failure.
            log.debug("disconnect({}) during the TLS handshake: the other side closed", session.id());
            return;
        }
        if (reported) {
            return;
        }
        reported = true;
        session.peer.counters.tlsFailures.increment();
        String message = text(channel, reason);
        String text = Addresses.describe(channel.remoteAddress()) + ": " + LogText.safe(
                message == null ? reason.getClass().getSimpleName() : message, session.peer.limits.logValueLimit());
        (session.dialed() ? session.peer.logs.dialedTlsLog : session.peer.logs.acceptedTlsLog).record(text);
    }

    /**
     * Why a dial whose handshake failed with {@code cause} did not connect: a close without an alert
     * is what a peer that does not speak TLS does with a ClientHello.
     */
    Throwable dialFailure(Throwable cause) {
        if (reason(cause) instanceof NotSslRecordException notTls) {
            // Not its cause: what the dial says is made of its causes' texts, and this one's is the dump.
            return new SSLException(text(notTls));
        }
        return cause instanceof ClosedChannelException && !session.peer.closing
                ? new SSLException("the other side closed the connection during the TLS handshake; likely a peer"
                        + " without TLS (TLS on this side only), else one that refused the connection")
                : cause;
    }

    /**
     * {@link #text(Throwable)}, unless the bytes that are no TLS record came after the handshake finished:
     * then the other side does use TLS, and broke it (hostile round 12: such garbage read as a peer without TLS).
     */
    static @Nullable String text(Channel channel, Throwable reason) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (reason instanceof NotSslRecordException && tls != null && tls.handshakeFuture().isSuccess()) {
            return "the other side sent bytes that are no TLS record after the TLS handshake finished";
        }
        return text(reason);
    }

    /**
     * The text of a TLS error. Netty's for bytes that are no TLS record dumps them in hex: a plain
     * client's first frame, its token or body, which the other side chose and this side must not
     * log; only what its first four bytes look like is said.
     */
    static @Nullable String text(Throwable reason) {
        if (!(reason instanceof NotSslRecordException)) {
            return reason.getMessage();
        }
        String message = String.valueOf(reason.getMessage());
        String hex = message.substring(message.lastIndexOf(' ') + 1);
        StringBuilder first = new StringBuilder(4);
        for (int i = 0; i + 1 < hex.length() && first.length() < 4; i += 2) {
            int b = Character.digit(hex.charAt(i), 16) << 4 | Character.digit(hex.charAt(i + 1), 16);
            if (b < 0x20 || b > 0x7e) {
                first.setLength(0);
                break;
            }
            first.append((char) b);
        }
        String start = first.length() == 4 ? first.toString() : "";
        String what = start.isEmpty() ? "binary, likely a Teleport peer without TLS"
                : start.equals("HTTP") ? "\"HTTP\": an HTTP server"
                : "\"" + start + "\": text, not a Teleport peer";
        return "the other side does not use TLS (its first bytes are no TLS record: " + what + ")";
    }
}
