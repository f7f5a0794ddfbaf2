package io.teleport.internal.session;

import io.netty.channel.Channel;
import io.teleport.message.Rerror;
import io.teleport.plugin.Hook;
import io.teleport.transport.Network;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The life of one session: its connections coming up (dial or accept hooks, then admission to the
 * hub), breaking (redial or end), and its graceful close (drain, then close). States go
 * {@code OPEN → CLOSING → CLOSED}; while OPEN a dialed session may be <em>reconnecting</em>, when writes
 * wait for the new connection. The drain ends on an event: the last handler or pull to finish calls
 * {@link #closeIfDrained}, and a deadline on the I/O thread closes it anyway. Transitions hold the session's monitor, the same one {@link DefaultSession#setId} holds, so an
 * admission and a rename never interleave.
 */
final class SessionLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DefaultSession.class);

    private enum State { OPEN, CLOSING, CLOSED }

    private final DefaultSession session;
    private final PeerContext peer;
    /** Dials again after a dialed connection breaks; null for accepted sessions. */
    private final @Nullable Redialer redialer;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile State state = State.OPEN;
    private volatile boolean admitted;
    /** Set while a broken dialed connection is being replaced; writes wait for it. */
    private volatile @Nullable CompletableFuture<Void> reconnecting;
    /** Whether a connection got as far as the dial or accept hooks. */
    private volatile boolean everConnected;
    /**
     * Whether the current connection got as far as the dial or accept hooks and its PostDisconnect
     * has not run yet: once per connection, even when a redial that gives up ends the session after
     * the connection's own PostDisconnect. Guarded by the session's monitor.
     */
    private boolean disconnectDue;
    /** The deadline of a graceful close, cancelled when the session ends sooner (it holds the channel). */
    private volatile io.netty.util.@Nullable Timeout closeDeadline;
    /** Whether a whole frame ever came in on one of the session's connections (set as each closes). */
    private volatile boolean everHeard;
    /** The dial or accept hooks of the current connection. */
    private final ConnectionHooks hooks;

    SessionLifecycle(DefaultSession session, PeerContext peer, @Nullable Redialer redialer) {
        this.session = session;
        this.peer = peer;
        this.redialer = redialer;
        this.hooks = new ConnectionHooks(session, peer);
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    /** Closing gracefully: draining, not closed yet. */
    boolean isClosing() {
        return state == State.CLOSING;
    }

    boolean isFinished() {
        return state == State.CLOSED;
    }

    /** Open, connected and not between connections. */
    boolean isHealthy(Channel channel) {
        return state == State.OPEN && reconnecting == null && channel.isActive();
    }

    /** Whether the session is listed in the hub under its id (so a new id must be renamed there). */
    boolean isListed() {
        return admitted && state != State.CLOSED && reconnecting == null;
    }

    /** What a write waits for: the reconnection under way, or null to write at once. */
    @Nullable CompletableFuture<Void> writeBarrier() {
        CompletableFuture<Void> waiting = reconnecting;
        return waiting == null || ConnectionHooks.inDialHooks(session) ? null : waiting;
    }

    boolean hooksRunning() {
        return hooks.settling();
    }

    CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    /**
     * A connection is up (TLS done): run the dial or accept hooks off the I/O thread when there are
     * any, then admit the session to the hub.
     */
    void connected(Channel ch, @Nullable CompletableFuture<DefaultSession> ready) {
        everConnected = true;
        Hook<?, io.teleport.session.Session> hook = session.dialed() ? Hook.POST_DIAL : Hook.POST_ACCEPT;
        // The dial is settled there, before the closing connection may settle it: a hook that refused
        // (authentication, 401) closes it, and the dial must end with the hook's code, not with 105.
        Runnable chain = peer.plugins.has(hook) ? hooks.chain(hook, rerror -> settle(ch, ready, rerror)) : null;
        boolean open;
        boolean startLane = false;
        synchronized (session) {
            open = state == State.OPEN;
            if (open) {
                peer.live.add(session);
                disconnectDue = true;
                startLane = chain != null && hooks.queueChain(chain);
            }
        }
        if (!open) {
            // A redial attempt that connected after the session was closed, or while it closes: not wanted.
            ch.close();
            if (ready != null) {
                ready.completeExceptionally(Dialer.failed(String.valueOf(session.dialAddress()),
                        new IllegalStateException("session closed")));
            }
        } else if (chain == null) {
            Runnable completion = admit(ch, ready);
            if (completion != null) {
                completion.run();
            }
        } else if (startLane) {
            hooks.start(chain);
        }
    }

    /** The hooks ended: admits the connection, or refuses it; returns the dial's completion. */
    private @Nullable Runnable settle(Channel ch, @Nullable CompletableFuture<DefaultSession> ready,
            @Nullable Rerror rerror) {
        if (rerror == null) {
            return admit(ch, ready);
        }
        log.debug("{} hook refused {}: {}", session.dialed() ? "PostDial" : "PostAccept", session.id(),
                rerror.toJson());
        // Closed first: the dial's callbacks (a redial's next attempt) must find this connection gone.
        ch.close();
        return ready == null ? null : () -> ready.completeExceptionally(rerror.toException());
    }

    /** Lists the session, or closes or drains a connection no longer wanted; returns the dial's completion. */
    private @Nullable Runnable admit(Channel ch, @Nullable CompletableFuture<DefaultSession> ready) {
        CompletableFuture<Void> waiting = null;
        DefaultSession evicted = null;
        boolean listed;
        boolean drain = false;
        synchronized (session) {
            listed = state == State.OPEN && ch.isActive() && ch == session.channel() && !peer.closing;
            if (listed) {
                evicted = session.listIn(peer.hub);
                admitted = true;
                waiting = reconnecting;
                reconnecting = null;
            } else if (ch == session.channel() && ch.isActive()) {
                // Read while the hooks ran, so handlers may be in flight: a session closing gracefully, or
                // accepted while the peer shuts down, drains first (replies go out; the deadline closes it).
                drain = state == State.OPEN && !session.dialed();
                if (!drain && state != State.CLOSING) {
                    ch.close();
                }
            } else {
                ch.close();
            }
        }
        if (!listed) {
            // Closed (or replaced) while the hooks ran, or the peer is shutting down: not wanted any more.
            if (drain) {
                close(peer.drainTimeLeft());
            }
            return ready == null ? null : () -> ready.completeExceptionally(Dialer.failed(
                    String.valueOf(session.dialAddress()), peer.closing
                            ? new IllegalStateException("the peer is shutting down") : new ClosedChannelException()));
        }
        SessionHub.evict(evicted, session.id());
        if (waiting != null) {
            redialer.connected();
            peer.logs.redialOkLines.info(log, session.id(), "redial ok (network:{}, addr:{}, id:{})", network().goName(),
                    session.dialAddress(), session.id());
            waiting.complete(null);
        }
        return ready == null ? null : () -> ready.complete(session);
    }

    /** A channel left its event loop; if it never connected, the session is over. */
    void unregistered(Channel ch) {
        if (ch == session.channel() && !everConnected) {
            finish();
        }
    }

    /**
     * A connection is gone: redial a dialed session that asks for it, otherwise end. Its pulls end
     * with 102, which says why this side closed the connection ({@code brokenBy}: what the other side
     * broke, or a plugin's refusal); or, when the remote closed the connection and no frame ever came in on any
     * of the session's connections, names the likely cause (another protocol), since nothing else
     * tells the caller.
     */
    void disconnected(Channel ch, boolean heardAny, boolean closedHere, @Nullable String brokenBy) {
        log.debug("connection of {} closed (state {}, reconnecting {}, current {})", session.id(), state,
                reconnecting != null, ch == session.channel());
        boolean failedAttempt;
        Runnable disconnect = null;
        boolean startLane = false;
        boolean lost = false;
        boolean redial = false;
        synchronized (session) {
            if (ch != session.channel()) {
                // A stale connection.
                return;
            }
            failedAttempt = reconnecting != null && state == State.OPEN;
            if (failedAttempt) {
                // Its dial hooks ran, so its PostDisconnect does too, in its place in the lane.
                disconnect = takeDisconnect();
            } else {
                // A dialed connection this side did not mean to close: the remote, or the network, went away.
                lost = state == State.OPEN && session.dialed() && admitted && !peer.closing;
                redial = lost && peer.config.redialTimes() != 0;
                if (redial) {
                    peer.hub.remove(session);
                    reconnecting = new CompletableFuture<>();
                    // This connection is over, even though the session goes on.
                    disconnect = takeDisconnect();
                }
            }
            startLane = disconnect != null && hooks.enqueue(disconnect);
        }
        if (startLane) {
            hooks.start(disconnect);
        }
        // Its next connection starts writable, with no event to say so: it is no slow reader now.
        peer.slowReaders.update(session, false);
        if (failedAttempt) {
            // A redial attempt that failed: its dial future says so. Pulls its dial hooks sent on it end
            // now, not at their timeout (held pulls wait on).
            session.pending.failSentOn(ch, CallErrors.CONNECTION_CLOSED);
            return;
        }
        if (heardAny) {
            everHeard = true;
        }
        boolean byRemote = !closedHere && state == State.OPEN && !peer.closing;
        session.failPending(CallErrors.onClose(ch, brokenBy != null ? new Rerror(Rerror.CODE_CONNECTION_CLOSED, "Connection Closed",
                brokenBy) : !byRemote ? CallErrors.CONNECTION_CLOSED : everHeard ? CallErrors.CLOSED_BY_REMOTE : CallErrors.CLOSED_SILENTLY));
        if (!redial) {
            if (lost) {
                peer.logs.lostLines.warn(log, session.id(), "connection lost (network:{}, addr:{}, id:{}); redial is off",
                        network().goName(), session.dialAddress(), session.id());
            }
            finish();
            return;
        }
        redialer.start(session.connectedAt(), byRemote && !heardAny);
    }

    private Network network() {
        return Network.of(peer.config.network());
    }

    /** Why the latest redial attempt failed, while redialing; {@code null} otherwise. */
    Throwable redialFailure() {
        return redialer == null || reconnecting == null ? null : redialer.failure();
    }

    /** Whether a redial is still wanted: the session is open and the peer is not shutting down. */
    boolean wantsRedial() {
        return state == State.OPEN && !peer.closing;
    }

    /** Redialing failed for good (or is no longer wanted): the session is over. */
    void giveUp(Throwable error) {
        CompletableFuture<Void> waiting;
        synchronized (session) {
            waiting = reconnecting;
            reconnecting = null;
        }
        if (waiting == null) {
            return;
        }
        peer.logs.gaveUpLines.say(log, org.slf4j.event.Level.ERROR, session.id(), "redial fail (network:{}, addr:{}, id:{}): {}",
                network().goName(), session.dialAddress(), session.id(), error.getMessage());
        waiting.completeExceptionally(error);
        finish();
    }

    /** The connection's PostDisconnect, once, if it got as far as its hooks and a plugin has one. Under the monitor. */
    private @Nullable Runnable takeDisconnect() {
        boolean due = disconnectDue;
        disconnectDue = false;
        return due && peer.plugins.has(Hook.POST_DISCONNECT)
                ? () -> peer.plugins.run(Hook.POST_DISCONNECT, session) : null;
    }

    private void finish() {
        Runnable disconnect = null;
        boolean startLane = false;
        boolean laneBusy = false;
        synchronized (session) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            // Under the monitor: a rename (setId) in between would leave the session in the hub, and a
            // connection made meanwhile would list it live again.
            peer.hub.remove(session);
            peer.live.remove(session);
            // A hook queued or running, or a handler in flight (its PostDisconnect waits for them), may be
            // what closed the session and waits for the close future: that then completes at once.
            Runnable hook = takeDisconnect();
            boolean handling = hook != null && session.activeHandlers() > 0 && !peer.closing;
            laneBusy = hooks.busy() || handling;
            if (hook != null) {
                disconnect = handling ? hooks.afterHandlers(hook) : laneBusy ? hook : () -> {
                    try {
                        hook.run();
                    } finally {
                        closeFuture.complete(null);
                    }
                };
                startLane = hooks.enqueue(disconnect);
            }
        }
        io.netty.util.Timeout deadline = closeDeadline;
        if (deadline != null) {
            deadline.cancel();
        }
        session.failPending(pull -> CallErrors.CONNECTION_CLOSED);
        session.outbound().releaseWaiters();
        peer.slowReaders.update(session, false);
        if (startLane) {
            hooks.start(disconnect);
        }
        if (disconnect != null && !laneBusy) {
            return;
        }
        if (peer.inline || (laneBusy && !peer.inIoThread())) {
            closeFuture.complete(null);
        } else if (laneBusy) {
            // A hook of this session holds a thread of the executor (maybe its only one), maybe waiting for this.
            peer.runOnHookPool(() -> closeFuture.complete(null));
        } else {
            // Callbacks are user code, and whether any are attached cannot be told without a race:
            // one attached just after the look would run here, maybe on an I/O thread.
            peer.runBlocking(() -> closeFuture.complete(null));
        }
    }

    /**
     * Closes gracefully: no new pulls or pushes from now on, while handlers in flight finish and
     * reply and this side's pulls get their replies, for at most {@code timeout}; then the
     * connection closes and whatever still waits ends with 102.
     */
    CompletableFuture<Void> close(Duration timeout) {
        CompletableFuture<Void> waiting;
        synchronized (session) {
            if (state != State.OPEN) {
                return closeFuture;
            }
            state = State.CLOSING;
            waiting = reconnecting;
            reconnecting = null;
        }
        if (waiting != null) {
            redialer.cancel();
            session.channel().close();
            waiting.completeExceptionally(new IllegalStateException("session closed"));
            finish();
            return closeFuture;
        }
        drainThenClose(System.nanoTime() + timeout.toNanos());
        return closeFuture;
    }

    private void drainThenClose(long deadline) {
        Channel ch = session.channel();
        if (ch.eventLoop().isShuttingDown() || !ch.isActive()) {
            // Its I/O thread is gone (served from another group), or it never connected or is gone: no channelInactive comes.
            ch.close();
            finish();
            return;
        }
        long left = deadline - System.nanoTime();
        if (session.drained() || left <= 0) {
            peer.drain.cutOff(session, null);
            GracefulClose.close(ch, left);
            return;
        }
        // The last handler or pull to end closes it (closeIfDrained); the deadline closes it anyway.
        try {
            io.netty.util.Timeout timer = peer.timer.newTimeout(timeout -> peer.drain.cutOff(session, ch), left, TimeUnit.NANOSECONDS);
            closeDeadline = timer;
            if (state == State.CLOSED) {
                // Ended while the deadline was being set: finish did not see it to cancel it.
                timer.cancel();
            }
        } catch (IllegalStateException | RejectedExecutionException shutDown) {
            ch.close();
            finish();
            return;
        }
        // The last one may have ended before this session was seen closing.
        closeIfDrained();
    }

    /** A handler or pull of this session ended: if the session is closing and it was the last, close now. */
    void closeIfDrained() {
        hooks.handlersMayHaveEnded();
        if (state == State.CLOSING && session.drained()) {
            GracefulClose.close(session.channel(), GracefulClose.LINGER_NANOS);
        }
    }
}
