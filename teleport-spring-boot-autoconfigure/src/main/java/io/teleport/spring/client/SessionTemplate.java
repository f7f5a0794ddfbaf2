package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls one remote peer through this application's peer: the session is dialed on first use (or at
 * start-up, see {@link #connect()}), redialed by the peer's redial settings, dialed again if it was
 * closed, and closed on shutdown. Per-remote call options (a pull timeout, a body codec) come before
 * each call's own.
 *
 * <pre>{@code
 * Reply r = teleport.pull("/home/test?peer_id=1", args, Reply.class);
 * teleport.push("/chat/say", "hello");
 * }</pre>
 *
 * <p>A pull that fails because the remote cannot be dialed ({@code 105}) never reaches a session, so
 * the template itself logs it on {@code io.teleport.message} and tells the {@link UndialedPulls}.
 */
public class SessionTemplate {

    private static final Logger messages = LoggerFactory.getLogger("io.teleport.message");

    private final String name;
    private final String address;
    private final RemoteConnection connection;
    private final CallOption[] defaults;
    private final List<UndialedPulls> undialed;

    /** A template for the remote at {@code address}, known by {@code name}. */
    public SessionTemplate(Peer peer, String name, String address) {
        this(peer, name, address, List.of(), List.of());
    }

    /**
     * A template with call options of its own.
     *
     * @param defaults options every call starts with, before its own (which may override them)
     * @param undialed told of each pull that fails because the remote cannot be dialed; called on the
     *     thread that learnt it, which may be an I/O thread: they must not block
     */
    public SessionTemplate(Peer peer, String name, String address, List<CallOption> defaults,
            List<UndialedPulls> undialed) {
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.connection = new RemoteConnection(Objects.requireNonNull(peer, "peer"), name, address);
        this.defaults = defaults.toArray(CallOption[]::new);
        this.undialed = List.copyOf(undialed);
    }

    /** The remote's name: {@code default}, or its key under {@code teleport.clients}. */
    public String name() {
        return name;
    }

    /** The remote's address. */
    public String address() {
        return address;
    }

    /**
     * Dials now, and while that fails keeps dialing in the background with the peer's redial backoff,
     * without waiting: for an application the remote pushes to (or pulls from), which would otherwise
     * receive nothing until it first calls. Once connected, the peer redials a broken connection.
     */
    public void connect() {
        connection.connect();
    }

    /** Stops what {@link #connect()} started: the application is stopping. */
    public void stopConnecting() {
        connection.stop();
    }

    /** Where the connection to the remote stands. */
    public RemoteState state() {
        return connection.state();
    }

    /** Why the remote is not connected (the latest failed dial or redial), or {@code null}. */
    public @Nullable Throwable lastError() {
        return connection.lastError();
    }

    /** How many dials of this template in a row have failed. */
    public int failedDials() {
        return connection.failedDials();
    }

    /**
     * The session to the remote, dialed now if there is none or the last one closed.
     *
     * @throws RerrorException with code 105 when the remote cannot be reached
     */
    public Session session() {
        return join(sessionAsync());
    }

    /**
     * The session to the remote, without waiting: the current one, or a dial started now when there
     * is none, the last dial failed or the last session closed.
     */
    public CompletableFuture<Session> sessionAsync() {
        return connection.session();
    }

    /** Pulls and waits for the reply body; see {@link Session#pull}. */
    public <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options) {
        return join(sessionFor(uri)).pull(uri, body, replyType, with(options));
    }

    /** Pulls without waiting, not even for the first dial; see {@link Session#pullAsync}. */
    public <T> CompletableFuture<@Nullable T> pullAsync(String uri, @Nullable Object body, Class<T> replyType,
            CallOption... options) {
        return sessionFor(uri).thenCompose(s -> s.pullAsync(uri, body, replyType, with(options)));
    }

    /** Pulls without waiting, for the whole reply; see {@link Session#pullReply}. */
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, @Nullable Object body, Type replyType,
            CallOption... options) {
        return sessionFor(uri).thenCompose(s -> s.<T>pullReply(uri, body, replyType, with(options)));
    }

    /** Pushes without waiting, not even for the first dial; see {@link Session#push}. */
    public CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options) {
        return sessionAsync().thenCompose(s -> s.push(uri, body, with(options)));
    }

    /** The session for a pull of {@code uri}; a failed dial is logged and told as that pull's end. */
    private CompletableFuture<Session> sessionFor(String uri) {
        long start = System.nanoTime();
        return sessionAsync().whenComplete((session, error) -> {
            if (error != null) {
                notDialed(uri, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error,
                        start);
            }
        });
    }

    private void notDialed(String uri, Throwable error, long start) {
        Rerror rerror = error instanceof RerrorException e ? e.rerror()
                : new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", String.valueOf(error.getMessage()));
        messages.debug("kind=pull-launch remote={} address={} uri={} status={} reason=\"{}\"", name, address, uri,
                rerror.code(), rerror.message());
        for (UndialedPulls listener : undialed) {
            listener.pullNotDialed(name, uri, rerror, start);
        }
    }

    private CallOption[] with(CallOption[] options) {
        if (defaults.length == 0) {
            return options;
        }
        CallOption[] all = java.util.Arrays.copyOf(defaults, defaults.length + options.length);
        System.arraycopy(options, 0, all, defaults.length, options.length);
        return all;
    }

    private static Session join(CompletableFuture<Session> session) {
        try {
            return session.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RerrorException cause) {
                // A fresh exception, so that the caller's stack trace shows where it called.
                throw new RerrorException(cause.rerror(), cause);
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "SessionTemplate[" + name + " -> " + address + "]";
    }
}
