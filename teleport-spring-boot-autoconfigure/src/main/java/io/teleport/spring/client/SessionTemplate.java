package io.teleport.spring.client;

import io.teleport.Peer;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Calls one remote peer through this application's peer: the session is dialed on first use,
 * redialed by the peer's redial settings, dialed again if it was closed, and closed on shutdown.
 *
 * <pre>{@code
 * Reply r = teleport.pull("/home/test?peer_id=1", args, Reply.class);
 * teleport.push("/chat/say", "hello");
 * }</pre>
 */
public class SessionTemplate {

    private final Peer peer;
    private final String name;
    private final String address;
    private CompletableFuture<Session> session;

    /** A template for the remote at {@code address}, known by {@code name}. */
    public SessionTemplate(Peer peer, String name, String address) {
        this.peer = Objects.requireNonNull(peer, "peer");
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
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
     * The session to the remote, dialed now if there is none or the last one closed.
     *
     * @throws io.teleport.message.RerrorException with code 105 when the remote cannot be reached
     */
    public Session session() {
        try {
            return sessionAsync().join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof io.teleport.message.RerrorException) {
                throw new io.teleport.message.RerrorException(((io.teleport.message.RerrorException) e.getCause()).rerror(), e.getCause());
            }
            throw e;
        }
    }

    /**
     * The session to the remote, without waiting: the current one, or a dial started now when there
     * is none, the last dial failed or the last session closed.
     */
    public synchronized CompletableFuture<Session> sessionAsync() {
        CompletableFuture<Session> current = session;
        boolean usable = current != null && (!current.isDone()
                || (!current.isCompletedExceptionally() && !current.join().closeFuture().isDone()));
        if (!usable) {
            current = peer.dialAsync(address, null);
            session = current;
        }
        return current;
    }

    /** Pulls and waits for the reply body; see {@link Session#pull}. */
    public <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options) {
        return session().pull(uri, body, replyType, options);
    }

    /** Pulls without waiting, not even for the first dial; see {@link Session#pullAsync}. */
    public <T> CompletableFuture<@Nullable T> pullAsync(String uri, @Nullable Object body, Class<T> replyType,
            CallOption... options) {
        return sessionAsync().thenCompose(s -> s.pullAsync(uri, body, replyType, options));
    }

    /** Pulls without waiting, for the whole reply; see {@link Session#pullReply}. */
    public <T> CompletableFuture<Reply<T>> pullReply(String uri, @Nullable Object body, Type replyType,
            CallOption... options) {
        return sessionAsync().thenCompose(s -> s.<T>pullReply(uri, body, replyType, options));
    }

    /** Pushes without waiting, not even for the first dial; see {@link Session#push}. */
    public CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options) {
        return sessionAsync().thenCompose(s -> s.push(uri, body, options));
    }

    @Override
    public String toString() {
        return "SessionTemplate[" + name + " -> " + address + "]";
    }
}
