package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.NotSslRecordException;
import io.teleport.internal.log.LogText;
import io.teleport.internal.session.DefaultSession;
import io.teleport.transport.Addresses;
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
        String message = reason.getMessage();
        if (reason instanceof NotSslRecordException) {
            message = "the other side does not use TLS (" + message + ")";
        }
        String text = Addresses.format(channel.remoteAddress()) + ": " + LogText.safe(
                message == null ? reason.getClass().getSimpleName() : message, session.peer.limits.logValueLimit());
        (session.dialed() ? session.peer.logs.dialedTlsLog : session.peer.logs.acceptedTlsLog).record(text);
    }

    /**
     * Why a dial whose handshake failed with {@code cause} did not connect: a close without an alert
     * is what a peer that does not speak TLS does with a ClientHello.
     */
    Throwable dialFailure(Throwable cause) {
        return cause instanceof ClosedChannelException && !session.peer.closing
                ? new SSLException("the other side closed the connection during the TLS handshake; likely a peer"
                        + " without TLS (TLS on this side only), else one that refused the connection")
                : cause;
    }
}
