package io.teleport.internal.session;

import io.teleport.internal.log.LineRate;
import io.teleport.internal.log.RefusalLog;
import io.teleport.internal.log.RefusalLogs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.concurrent.TimeUnit;

/**
 * The logs of one peer whose lines a remote peer, or many sessions at once, decide the number of:
 * one WARN line per interval for each kind of refusal, with a count; and of the lines said once per
 * session as it dials, loses its connection and redials, the first {@value #SESSION_LINES} of each kind
 * in 10 s, the rest counted there. On the logger of {@link PeerContext}, where they have always been;
 * all closed at the peer's shutdown.
 */
public final class PeerLogs {

    private static final Logger log = LoggerFactory.getLogger(PeerContext.class);
    /** Lines of one kind about sessions written whole in 10 s: all of them for an application with a few remotes. */
    static final int SESSION_LINES = 10;

    /** Every refusal log of this peer; declared before the fields it makes. */
    final RefusalLogs refusalLogs = new RefusalLogs();
    public final RefusalLog overloadLog = refusalLogs.open(log, "handler executor full or shut down, refused (503) or dropped");
    final RefusalLog inflightLog = refusalLogs.open(log, "messages past a session's in-flight limit while this side "
            + "awaited replies on it, refused (503) or dropped");
    final RefusalLog expiredLog = refusalLogs.open(log, "waited past max-queue-wait for a handler, refused (503) or dropped");
    final RefusalLog asyncTimeoutLog = refusalLogs.open(log, "pulls whose handler's stage did not complete within "
            + "async-handler-timeout, answered 408");
    final RefusalLog noDeadlineLog = refusalLogs.open(log, "asynchronous pulls left without async-handler-timeout: "
            + "the timer refused their entries");
    final RefusalLog refusedPushLog = refusalLogs.open(log, "pushes refused before their handler (route, body, a plugin), dropped");
    final RefusalLog outboundLog = refusalLogs.open(log, "outbound bytes of a session at the limit, failed (104) or skipped");
    final RefusalLog unframedLog = refusalLogs.open(log, "broadcasts skipped sessions they could not frame for "
            + "(no direct memory left, no protocol spoken yet, a hook's bad metadata)");
    final RefusalLog unbuiltReplyLog = refusalLogs.open(log, "replies that could not be built, answered more barely");
    final RefusalLog unexpectedPullLog = refusalLogs.open(log, "pulls that failed outside their handler, answered 500");
    final RefusalLog afterReplyLog = refusalLogs.open(log, "PostWriteReply hooks that could not run or failed with an Error");
    /** TLS failures: any number a hostile peer causes on the accepting side, a redial loop's on the dialing one. */
    public final RefusalLog acceptedTlsLog = refusalLogs.open(log, "TLS with a connecting peer failed");
    public final RefusalLog dialedTlsLog = refusalLogs.open(log, "TLS with a dialed peer failed");
    // Whoever reconnects to break the protocol again decides how often: one line per interval.
    public final RefusalLog brokenProtocolLog = refusalLogs.open(log, "connections closed for breaking the protocol or a limit");
    /** Connections closed by the handshake timeout: silent ones while places are scarce, stalled TLS. */
    public final RefusalLog silentLog = refusalLogs.open(log, "connections closed for no frame within handshake-timeout"
            + " (a TLS handshake not finished, or silent while max-connections was half taken)");
    /** Silent connections closed early to make room once max-connections are open. */
    public final RefusalLog strayLog = refusalLogs.open(log, "silent connections closed to make room at max-connections");
    /** Idle connections of an address that held over half of max-connections, closed at the bound. */
    public final RefusalLog crowdedLog = refusalLogs.open(log, "idle connections of an address holding over half of "
            + "max-connections closed to make room for others");
    /** Connections closed by the write-stall timeout: a peer that reads nothing of what it is sent. */
    public final RefusalLog stalledLog = refusalLogs.open(log, "connections closed for reading nothing within "
            + "write-stall-timeout, or within 2 s while their pulls held inbound budget others waited for or they drained");
    /** The inbound budget full: connections whose next frame does not fit are not read until room is freed. */
    public final RefusalLog budgetFullLog = refusalLogs.open(log, "inbound budget (max-inbound-bytes) full, reading "
            + "paused for the connections whose frames do not fit");
    /** Out of memory, or a bug a remote can trigger again: a stack per interval, not per connection. */
    public final RefusalLog unexpectedLog = refusalLogs.open(log, "connections closed after an unexpected error");
    /** Peers that claim one id (a cloned device) take it from each other at every redial. */
    final RefusalLog idTakenLog = refusalLogs.open(log, "sessions closed because another session took their id (setId)");

    /** "dial ok". */
    public final LineRate dialOkLines = sessionLines("dial ok", Level.INFO);
    /** "connection lost, redialing" and "connection lost ...; redial is off". */
    final LineRate lostLines = sessionLines("connection lost", Level.WARN);
    /** "redial attempt N failed". */
    final LineRate redialFailedLines = sessionLines("redial attempt failed", Level.WARN);
    /** "redial ok". */
    final LineRate redialOkLines = sessionLines("redial ok", Level.INFO);
    /** "redial fail": a session gave up. */
    final LineRate gaveUpLines = sessionLines("redial fail", Level.WARN);

    /** Lines of {@code kind}, which are at {@code level}: so is the count of those left out. */
    private LineRate sessionLines(String kind, Level level) {
        return new LineRate(SESSION_LINES, TimeUnit.SECONDS.toNanos(10), refusalLogs.open(log, "'" + kind
                + "' lines of more sessions left out (the first " + SESSION_LINES + " in 10 s are written)", level));
    }
}
