package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.Proto;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A template's session to its remote: dialed on first use, or at start-up and again with the peer's
 * redial backoff until it connects. Once connected, the peer itself redials a broken connection and
 * the session object lives on. Failed dials are logged without flooding (the first, then one per
 * {@value #LOG_EVERY}), and the state and last error are kept for health checks.
 *
 * <p>After a failed dial, calls fail at once with {@code 105} until the peer's redial interval has
 * passed (doubling with each failure in a row, up to its longest interval): an application calling
 * a remote that is down in a loop would otherwise open a connection per call, and its failures would
 * fill the log. The first call after the wait dials again.
 */
final class RemoteConnection {

    /**
     * The most characters of a failure's text logged or shown: room for this side's longest explanation
     * (a connection closed before any frame, about 450 with its JSON), which 256 cut before its causes
     * (new-user trial 15), and still a bound on a remote's own words.
     */
    static final int MAX_REMOTE_TEXT = 512;
    private static final java.util.regex.Pattern CONTROL = java.util.regex.Pattern.compile("\\p{Cntrl}");
    private static final Logger log = LoggerFactory.getLogger(SessionTemplate.class);
    /** After the first failed dial in a row, one line per this many. */
    static final int LOG_EVERY = 10;

    private final Peer peer;
    private final String name;
    private final String address;
    private final AtomicInteger failures = new AtomicInteger();
    /** Written under this object's monitor; read without it, so that health and choosing never wait on a dial. */
    private volatile @Nullable CompletableFuture<Session> session;
    private volatile @Nullable Throwable lastError;
    private volatile boolean stopped;
    /** The session whose instance said it drains, if any. */
    private volatile @Nullable Session drainingSession;
    /** When that session's connection then was made: a redial to the instance back is not draining. */
    private volatile java.time.@Nullable Instant drainingSince;
    /** Its instance left the remote's service: no more dials. */
    private volatile boolean retired;

    /** The protocol dials use; {@code null} for the peer's default. */
    private final @Nullable Proto proto;
    /** What each session it dials holds from its start: the remote's own token ({@code AuthPlugin.TOKEN}). */
    private final Map<String, ?> dialAttributes;
    /** {@link System#nanoTime()} before which a call does not dial again after a failed dial. Guarded by this. */
    private long nextDialNanos;
    /** The wait after the next failed dial; the peer's redial interval after a success. Guarded by this. */
    private long backoffNanos;

    RemoteConnection(Peer peer, String name, String address, @Nullable Proto proto, Map<String, ?> dialAttributes) {
        this.peer = peer;
        this.name = name;
        this.address = address;
        this.proto = proto;
        this.dialAttributes = dialAttributes;
    }

    /**
     * The current session, or a dial started now when there is none, the session closed, or the last
     * dial failed and its backoff has passed; within the backoff, a failure at once.
     */
    CompletableFuture<Session> session() {
        return session(false);
    }

    /** As {@link #session()}; {@code force} dials within the backoff too (the start-up loop, which keeps its own). */
    private synchronized CompletableFuture<Session> session(boolean force) {
        if (retired) {
            return CompletableFuture.failedFuture(new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED,
                    "Dial Failed", "instance " + address + " of remote '" + name + "' left its service")));
        }
        CompletableFuture<Session> current = session;
        if (current != null && current.isCompletedExceptionally() && !force) {
            long wait = nextDialNanos - System.nanoTime();
            if (wait > 0) {
                return CompletableFuture.failedFuture(heldDown(wait));
            }
        }
        if (current == null || (current.isDone() && (current.isCompletedExceptionally()
                || current.join().closeFuture().isDone()))) {
            if (peer.isClosed()) {
                return shuttingDown();
            }
            try {
                // The stage after the bookkeeping: no caller sees the dial done before its backoff is set.
                current = peer.dialAsync(address, proto, dialAttributes).whenComplete(this::dialed);
            } catch (IllegalStateException closedMeanwhile) {
                return shuttingDown();
            }
            session = current;
        }
        return current;
    }

    /**
     * Draining, or after the context closed: no dial, and no backoff for it either; a call on a service
     * moves on to a connected instance rather than fail with the peer's state ({@code 105}, not a 500).
     */
    private CompletableFuture<Session> shuttingDown() {
        return CompletableFuture.failedFuture(new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed",
                "remote '" + name + "' (" + address + "): this peer is shutting down")));
    }

    /**
     * Why a call fails without a dial: the last one failed, and the next is {@code waitNanos} away. A
     * dial the remote answered with an error of its own (an auth plugin's refusal on Teleport v3) keeps
     * that code, so that a caller sees the same code on the call that dialed and on those held back after
     * it; on erpc v6 a refusal fails the dial with {@code 105}, as a Go client's, and stays {@code 105}.
     */
    private RerrorException heldDown(long waitNanos) {
        Throwable last = lastError;
        Rerror refused = last instanceof RerrorException r && answered(r.rerror().code()) ? r.rerror() : null;
        String why = "remote '" + name + "' (" + address + ") is down: the last dial failed"
                + (last == null ? "" : " (" + (last instanceof RerrorException r ? r.rerror().detail() : last.getMessage()) + ")")
                + "; next dial in "
                + Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)) + " ms";
        Rerror rerror = refused == null ? new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", why)
                : new Rerror(refused.code(), refused.message(), why);
        return new RerrorException(rerror, last != null ? last : new java.io.IOException(why));
    }

    /**
     * Whether a dial's error is the remote's answer (an auth refusal), not this side's: a lost
     * connection (102), an unwritten (104) or timed-out (408) handshake, or no dial at all (105).
     */
    private static boolean answered(int code) {
        return code != Rerror.CODE_CONNECTION_CLOSED && code != Rerror.CODE_WRITE_FAILED
                && code != Rerror.CODE_DIAL_FAILED && code != Rerror.CODE_PULL_TIMEOUT;
    }

    private void dialed(@Nullable Session connected, @Nullable Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        // Before the backoff starts, so that calls it fails say why.
        lastError = cause;
        synchronized (this) {
            long interval = peer.config().redialInterval().toNanos();
            if (error == null) {
                backoffNanos = interval;
            } else {
                long backoff = backoffNanos <= 0 ? interval : backoffNanos;
                // Half to all of it, so that the templates of many applications do not dial in step.
                nextDialNanos = System.nanoTime() + backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
                backoffNanos = Math.min(backoff * 2, Math.max(interval, peer.config().redialMaxInterval().toNanos()));
            }
        }
        if (error == null) {
            int failed = failures.getAndSet(0);
            if (failed > 0) {
                log.info("remote '{}' ({}) connected after {} failed dials", name, address, failed);
            }
            return;
        }
        int failed = failures.incrementAndGet();
        if (failed == 1 || failed % LOG_EVERY == 0) {
            log.warn("remote '{}' ({}) could not be dialed ({} in a row{}): {}", name, address, failed,
                    failed == 1 ? "; then one line per " + LOG_EVERY : "", remoteText(cause.getMessage()));
        }
    }

    /**
     * A failure's text as the log gets it: the remote may have written it (an auth refusal's detail),
     * so one line, cut at {@value #MAX_REMOTE_TEXT} characters, as the core logs remote values.
     */
    static String remoteText(@Nullable String text) {
        if (text == null) {
            return "null";
        }
        String cut = text.length() <= MAX_REMOTE_TEXT ? text
                : text.substring(0, MAX_REMOTE_TEXT) + "...(" + text.length() + " chars)";
        return CONTROL.matcher(cut).replaceAll("?");
    }

    /**
     * Dials now and, while that fails, again after the peer's redial interval, doubling (with jitter)
     * up to its longest interval, for at most its redial times (-1: until connected), until the peer
     * closes or {@link #stop()}.
     */
    void connect() {
        stopped = false;
        attempt(0, peer.config().redialInterval().toNanos());
    }

    private void attempt(int attempt, long delayNanos) {
        CompletableFuture<Session> dialing;
        try {
            dialing = stopped || peer.isClosed() ? null : session(true);
        } catch (IllegalStateException closedMeanwhile) {
            dialing = null;
        }
        if (dialing == null) {
            return;
        }
        dialing.whenComplete((connected, error) -> {
            int times = peer.config().redialTimes();
            if (error == null || stopped || (times >= 0 && attempt >= times)) {
                return;
            }
            long jittered = delayNanos / 2 + ThreadLocalRandom.current().nextLong(delayNanos / 2 + 1);
            long next = Math.min(delayNanos * 2, peer.config().redialMaxInterval().toNanos());
            CompletableFuture.delayedExecutor(jittered, TimeUnit.NANOSECONDS).execute(() -> attempt(attempt + 1, next));
        });
    }

    /** No more attempts of {@link #connect()}: the application is stopping. */
    void stop() {
        stopped = true;
    }

    /**
     * Its instance left the service: no new dials, and the session closes once this side's pulls on
     * it have their replies, or after {@code grace} at the latest, so that no call in flight is cut.
     */
    void retire(Duration grace) {
        CompletableFuture<Session> current;
        synchronized (this) {
            retired = true;
            stopped = true;
            current = session;
        }
        if (current != null) {
            current.thenAccept(s -> closeWhenIdle(s, System.nanoTime() + grace.toNanos()));
        }
    }

    private static void closeWhenIdle(Session s, long deadline) {
        // A session that is redialing an instance gone from the registry would wait for nothing.
        if (s.pendingPulls() == 0 || !s.isHealthy() || System.nanoTime() - deadline >= 0) {
            s.close();
            return;
        }
        CompletableFuture.delayedExecutor(IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS).execute(() -> closeWhenIdle(s, deadline));
    }

    /** How often a retired session is looked at until its pulls are answered. */
    private static final long IDLE_CHECK_MILLIS = 50;

    boolean retired() {
        return retired;
    }

    /**
     * The instance answered a call of {@code session} with 503 "shutting down": it drains, and will
     * close the session. Calls stop choosing it at once, before the registry says it left, so that no
     * call is on its way when it closes; a session dialed later (the instance back) is chosen again.
     */
    void draining(Session session) {
        drainingSince = session.connectedAt();
        drainingSession = session;
    }

    /**
     * Whether the current session is one whose instance said it drains, on the connection it said so
     * on: the session redials when the instance restarts at the same address, and is chosen again then.
     */
    boolean isDraining() {
        Session draining = drainingSession;
        if (draining == null) {
            return false;
        }
        CompletableFuture<Session> current = session;
        return current != null && current.isDone() && !current.isCompletedExceptionally() && current.join() == draining
                && draining.connectedAt().equals(drainingSince);
    }

    /**
     * Whether a call would dial now: the last dial failed and its backoff has passed, or the session
     * closed (its redials gave up). Such an instance is offered to calls again, so that one that was
     * down when first dialed, or restarted, comes back into rotation without a restart of this side.
     */
    boolean dialDue() {
        CompletableFuture<Session> current = session;
        if (current == null || !current.isDone() || retired) {
            return false;
        }
        if (current.isCompletedExceptionally()) {
            synchronized (this) {
                return nextDialNanos - System.nanoTime() <= 0;
            }
        }
        return current.join().closeFuture().isDone();
    }

    /**
     * Whether a failure says the session drains: the 503 a shutting-down peer, or a closing session,
     * answers new calls with (the call did not run there, and the connection will close).
     */
    static boolean saysDraining(Throwable error) {
        return error instanceof RerrorException e && e.rerror().code() == Rerror.CODE_UNAVAILABLE
                && (Rerror.DETAIL_SHUTTING_DOWN.equals(e.rerror().detail())
                        || Rerror.DETAIL_SESSION_CLOSING.equals(e.rerror().detail()));
    }

    String address() {
        return address;
    }

    RemoteState state() {
        CompletableFuture<Session> current = session;
        if (current == null) {
            return RemoteState.IDLE;
        }
        if (!current.isDone()) {
            return RemoteState.CONNECTING;
        }
        if (current.isCompletedExceptionally() || current.join().closeFuture().isDone()) {
            return RemoteState.DOWN;
        }
        return current.join().isHealthy() ? RemoteState.CONNECTED : RemoteState.REDIALING;
    }

    /** Why the remote is not connected: the peer's latest redial failure, or the template's last failed dial. */
    @Nullable Throwable lastError() {
        CompletableFuture<Session> current = session;
        if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
            Throwable redial = current.join().redialFailure();
            return redial != null ? redial : lastError;
        }
        return lastError;
    }

    /** Failed dials in a row. */
    int failedDials() {
        return failures.get();
    }
}
