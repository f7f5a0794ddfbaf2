package io.teleport.spring.client;

import io.netty.channel.EventLoop;
import io.netty.util.internal.ThreadExecutorMap;
import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.ParameterizedTypeReference;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls one remote through this application's peer: a fixed address, or the instances of a service
 * ({@link RemoteInstances}), one chosen per call by its {@link TeleportLoadBalancer}. Sessions are
 * dialed on first use (or at start-up, see {@link #connect()}), redialed by the peer's redial
 * settings, dialed again if they closed, and closed on shutdown. After a failed dial, calls fail at
 * once with {@code 105} until the redial interval has passed (doubling with each failure in a row),
 * rather than dial per call a remote that is down. A call that never reached a handler
 * is tried again on another instance as its {@link RetryPolicy} says. Per-remote call options (a pull
 * timeout, a body codec) come before each call's own.
 *
 * <pre>{@code
 * Order order = teleport.pull("/shop/order?id=1", args, Order.class);       // the reply's body
 * Reply<Order> whole = teleport.<Order>pullReply("/shop/order?id=1", args, Order.class).join(); // with its metadata
 * teleport.push("/chat/say", "hello");
 * }</pre>
 *
 * <p>A pull that fails because no instance can be dialed ({@code 105}) never reaches a session, so
 * the template itself logs it on {@code io.teleport.message} and tells the {@link UndialedPulls}.
 */
public class SessionTemplate {

    /**
     * Marks one call as safe to run twice, so that it is tried again on another instance even after
     * its connection broke once it was written (see {@link RetryPolicy}). The peer itself ignores it.
     */
    public static final CallOption IDEMPOTENT = call -> { };

    private static final Logger messages = LoggerFactory.getLogger("io.teleport.message");

    private final String name;
    private final RemoteInstances instances;
    private final CallOption[] defaults;
    private final List<UndialedPulls> undialed;
    private final RetryPolicy retries;

    /** A template for the remote at {@code address}, known by {@code name}. */
    public SessionTemplate(Peer peer, String name, String address) {
        this(peer, name, address, List.of(), List.of());
    }

    /**
     * A template for one fixed address, with call options of its own.
     *
     * @param defaults options every call starts with, before its own (which may override them)
     * @param undialed told of each pull that fails because the remote cannot be dialed; called on the
     *     thread that learnt it, which may be an I/O thread: they must not block
     */
    public SessionTemplate(Peer peer, String name, String address, List<CallOption> defaults,
            List<UndialedPulls> undialed) {
        this(RemoteInstances.fixed(Objects.requireNonNull(peer, "peer"), Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(address, "address")), defaults, undialed, RetryPolicy.DEFAULT);
    }

    /**
     * A template for {@code instances}: a fixed address or a service's instances.
     *
     * @param defaults options every call starts with, before its own (which may override them)
     * @param undialed told of each pull that fails because no instance can be dialed; called on the
     *     thread that learnt it, which may be an I/O thread: they must not block
     * @param retries when a failed call is tried again on another instance
     */
    public SessionTemplate(RemoteInstances instances, List<CallOption> defaults, List<UndialedPulls> undialed,
            RetryPolicy retries) {
        this.instances = Objects.requireNonNull(instances, "instances");
        this.name = instances.remote();
        this.defaults = defaults.toArray(CallOption[]::new);
        this.undialed = List.copyOf(undialed);
        this.retries = Objects.requireNonNull(retries, "retries");
    }

    /** The remote's name: {@code default}, or its key under {@code teleport.clients}. */
    public String name() {
        return name;
    }

    /** The remote's address; {@code discovery:///<service-id>} for a service's instances. */
    public String address() {
        String serviceId = instances.serviceId();
        return serviceId == null ? instances.members().get(0).instance().address() : "discovery:///" + serviceId;
    }

    /** When a failed call is tried on another instance. */
    RetryPolicy retries() {
        return retries;
    }

    /** The peer calls go out from. */
    Peer peer() {
        return instances.peer();
    }

    /** The instances this template calls. */
    public RemoteInstances instances() {
        return instances;
    }

    /**
     * Dials now, and while that fails keeps dialing in the background with the peer's redial backoff,
     * without waiting: for an application the remote pushes to (or pulls from), which would otherwise
     * receive nothing until it first calls. A service's instances are each dialed so, those that join
     * later too. Once connected, the peer redials a broken connection.
     */
    public void connect() {
        instances.connect();
    }

    /** Stops what {@link #connect()} started: the application is stopping. */
    public void stopConnecting() {
        instances.stopConnecting();
    }

    /**
     * Where the connection to the remote stands. For a service: connected when any instance is, else
     * connecting, redialing or idle when any is, else down (no instance listed, or none reachable).
     */
    public RemoteState state() {
        List<RemoteInstances.Member> members = instances.members();
        if (members.size() == 1 && instances.serviceId() == null) {
            return members.get(0).connection().state();
        }
        boolean connecting = false;
        boolean redialing = false;
        boolean idle = false;
        for (RemoteInstances.Member m : members) {
            switch (m.connection().state()) {
                case CONNECTED -> {
                    return RemoteState.CONNECTED;
                }
                case CONNECTING -> connecting = true;
                case REDIALING -> redialing = true;
                case IDLE -> idle = true;
                default -> { }
            }
        }
        return connecting ? RemoteState.CONNECTING : redialing ? RemoteState.REDIALING
                : idle ? RemoteState.IDLE : RemoteState.DOWN;
    }

    /** Why the remote is not connected (for a service, the first instance's reason), or {@code null}. */
    public @Nullable Throwable lastError() {
        List<RemoteInstances.Member> members = instances.members();
        if (members.isEmpty()) {
            return noInstance().getCause();
        }
        for (RemoteInstances.Member m : members) {
            Throwable error = m.connection().lastError();
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    /**
     * {@link #lastError()}'s message as it may be shown (health, an endpoint): cut to 512 characters, control
     * characters replaced, since its words may be the remote's own (a refusal's detail); {@code null} when
     * there is no error.
     */
    public @Nullable String lastErrorText() {
        Throwable error = lastError();
        return error == null ? null : RemoteConnection.remoteText(error.getMessage());
    }

    /** How many dials in a row have failed; for a service, the most of any instance. */
    public int failedDials() {
        int most = 0;
        for (RemoteInstances.Member m : instances.members()) {
            most = Math.max(most, m.connection().failedDials());
        }
        return most;
    }

    /**
     * A session to the remote (for a service, to the instance chosen now), dialed now if there is
     * none or the last one closed.
     *
     * @throws RerrorException with code 105 when the remote cannot be reached
     * @throws IllegalStateException on an I/O thread (a {@code @NonBlocking} handler) when that would
     *     mean waiting for a dial
     */
    public Session session() {
        return join(sessionAsync());
    }

    /**
     * A session to the remote without waiting: the current one, or a dial started now when there is
     * none, the last session closed, or the last dial failed and its backoff has passed. For a
     * service, an instance that cannot be dialed is passed over for another.
     */
    public CompletableFuture<Session> sessionAsync() {
        return new CallAttempts<Session>(this, "", new CallOption[0], false, (s, o) -> CompletableFuture.completedFuture(s)).start();
    }

    /** Pulls and waits for the reply body; see {@link Session#pull}. */
    public <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options) {
        CallOption[] all = with(options);
        long start = System.nanoTime();
        CallDeadline deadline = CallDeadline.of(peer(), all, start);
        Set<RemoteConnection> tried = null;
        int attempts = 0;
        RemoteConnection connection = instances.choose(uri, null);
        while (true) {
            if (connection == null) {
                RerrorException none = noInstance();
                notDialed(uri, none.rerror(), start);
                throw none;
            }
            attempts++;
            RerrorException failure;
            boolean fresh = true;
            boolean dialFailed = false;
            Session session = null;
            try {
                CompletableFuture<Session> dialing = connection.session();
                // Waited for a dial, or tried before: the pull gets what is left of the call's time.
                fresh = attempts == 1 && dialing.isDone();
                session = join(deadline.bound(dialing, connection.address()));
                return session.pull(uri, body, replyType, fresh ? all : deadline.forRetry(all));
            } catch (RerrorException e) {
                failure = fresh || session == null ? e : deadline.explained(e);
                dialFailed = session == null;
                if (session != null && RemoteConnection.saysDraining(e)) {
                    connection.draining(session);
                }
            }
            RemoteConnection next = null;
            if (attempts < retries.maxAttempts() && deadline.remainingNanos() > 0
                    && retries.retries(failure, uri, all)) {
                tried = tried == null ? new HashSet<>() : tried;
                tried.add(connection);
                next = instances.choose(uri, tried);
            }
            if (next == null) {
                if (dialFailed) {
                    notDialed(uri, failure.rerror(), start);
                }
                throw failure;
            }
            connection = next;
        }
    }

    /**
     * Pulls and waits for a reply body of a generic type: {@code pull("/lobby/players", null,
     * new ParameterizedTypeReference<List<Player>>() {})}. Retried as {@link #pullReply} is.
     *
     * @throws RerrorException when the pull fails
     * @throws IllegalStateException on an I/O thread (a {@code @NonBlocking} handler): use {@link #pullReply}
     */
    public <T> @Nullable T pull(String uri, @Nullable Object body, ParameterizedTypeReference<T> replyType,
            CallOption... options) {
        if (ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            throw new IllegalStateException("a blocking pull of " + uri + " on an I/O thread would stall it; use "
                    + "pullReply, or run handlers off the I/O thread");
        }
        return join(this.<T>pullReply(uri, body, replyType.getType(), options), "the reply of " + uri, "use pullReply")
                .body();
    }

    /** Pulls without waiting, not even for the first dial; see {@link Session#pullAsync}. */
    public <T> CompletableFuture<@Nullable T> pullAsync(String uri, @Nullable Object body, Class<T> replyType,
            CallOption... options) {
        CallOption[] all = with(options);
        return new CallAttempts<@Nullable T>(this, uri, all, true, (s, o) -> s.pullAsync(uri, body, replyType, o)).start();
    }

    /** Pulls without waiting, for the whole reply; see {@link Session#pullReply}. */
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, @Nullable Object body, Type replyType,
            CallOption... options) {
        CallOption[] all = with(options);
        return new CallAttempts<Reply<T>>(this, uri, all, true, (s, o) -> s.<T>pullReply(uri, body, replyType, o)).start();
    }

    /**
     * Pulls every instance of the remote at once, for the whole replies: to reach what only one of a
     * service's instances holds (a session accepted there, a cache entry) without knowing which. Not
     * retried; an instance that fails has its error in the list.
     *
     * @return completes when every instance answered or failed, in the order of {@link RemoteInstances#list()}
     */
    public <T> CompletableFuture<List<InstanceReply<T>>> pullEach(String uri, @Nullable Object body, Type replyType,
            CallOption... options) {
        CallOption[] all = with(options);
        List<RemoteInstances.Member> members = instances.members();
        List<CompletableFuture<InstanceReply<T>>> replies = new ArrayList<>(members.size());
        for (RemoteInstances.Member m : members) {
            CompletableFuture<Reply<T>> reply;
            try {
                reply = m.connection().session().thenCompose(s -> s.<T>pullReply(uri, body, replyType, all));
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            replies.add(reply.handle((r, error) -> new InstanceReply<>(m.instance(), r, error == null ? null : unwrap(error))));
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
                .thenApply(done -> replies.stream().map(CompletableFuture::join).toList());
    }

    /** Pushes without waiting, not even for the first dial; see {@link Session#push}. */
    public CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options) {
        CallOption[] all = with(options);
        return new CallAttempts<Void>(this, uri, all, false, (s, o) -> s.push(uri, body, o)).start();
    }

    /** The error of a call for which no instance is left to try. */
    RerrorException noInstance() {
        String why = instances.listed() ? "no instance of service '" + instances.serviceId() + "' is listed"
                : "service '" + instances.serviceId() + "' not looked up yet";
        return new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed", why),
                new IllegalStateException(why));
    }

    void notDialed(String uri, Rerror rerror, long start) {
        messages.debug("kind=pull-launch remote={} address={} uri={} status={} reason=\"{}\"", name, address(), uri,
                rerror.code(), rerror.message());
        for (UndialedPulls listener : undialed) {
            listener.pullNotDialed(name, uri, rerror, start);
        }
    }

    static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    private CallOption[] with(CallOption[] options) {
        if (defaults.length == 0) {
            return options;
        }
        CallOption[] all = Arrays.copyOf(defaults, defaults.length + options.length);
        System.arraycopy(options, 0, all, defaults.length, options.length);
        return all;
    }

    private Session join(CompletableFuture<Session> session) {
        return join(session, "the dial of remote '" + name + "'", "use sessionAsync() or pullAsync");
    }

    /** Waits for {@code future}, refused on an I/O thread; an error reply is thrown as a fresh exception. */
    private <V> V join(CompletableFuture<V> future, String what, String instead) {
        if (!future.isDone() && ThreadExecutorMap.currentExecutor() instanceof EventLoop) {
            // The connection may be registered on this very loop: waiting here would never end.
            throw new IllegalStateException("waiting on an I/O thread for " + what
                    + " would stall or deadlock it; " + instead + ", or run handlers off the I/O thread");
        }
        try {
            return future.join();
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
        return "SessionTemplate[" + name + " -> " + address() + "]";
    }
}
