package io.teleport.spring.test;

import io.teleport.Peer;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.router.UnknownPushContext;
import io.teleport.session.CallOption;
import io.teleport.session.Reply;
import io.teleport.session.Session;
import io.teleport.transport.Addresses;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the application's listening peer, for tests: it calls routes as a remote peer would,
 * over the same network (the in-JVM {@code local} one in a {@link TeleportTest}), and records every
 * push the application sends it, so that a test asserts replies, error replies and pushes without
 * building a peer of its own. It dials on first use, since the application's peer listens only once
 * the context has started.
 *
 * <p>Routes the application pulls on this side go on {@link #peer()}'s routers, before the first call.
 */
public final class TeleportTestClient implements AutoCloseable {

    private final Peer server;
    private final Peer client;
    private final Duration awaitTimeout;
    private final List<ReceivedPush> pushes = new ArrayList<>();
    private @Nullable Session session;

    /**
     * A client of {@code server} through {@code client}, a peer of the test's on the same network,
     * which this object now owns and closes.
     *
     * @param awaitTimeout how long {@link #awaitPush(String)} waits
     */
    public TeleportTestClient(Peer server, Peer client, Duration awaitTimeout) {
        this.server = server;
        this.client = client;
        this.awaitTimeout = awaitTimeout;
        client.pushRouter().setUnknown(this::received);
    }

    /** The client's own peer: register routes the application pulls or pushes to here. */
    public Peer peer() {
        return client;
    }

    /**
     * The session to the application's peer, dialed on first use. It returns once the application
     * has the session too, so that a push or pull of the application's right after reaches it.
     */
    public synchronized Session session() {
        if (session == null || !session.isHealthy()) {
            session = client.dial(address());
            serverSession();
        }
        return session;
    }

    /**
     * The application's side of {@link #session()}: the session its controllers see as
     * {@code ctx.session()}, for a test of what the application pulls or pushes on its own.
     *
     * @throws AssertionError when the application does not have it within the await timeout
     */
    public Session serverSession() {
        SocketAddress local = session().localAddress();
        try {
            return Awaitility.await().atMost(awaitTimeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.sessions().stream().filter(s -> local.equals(s.remoteAddress())).findFirst(),
                            Optional::isPresent).orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the application has no session from " + local + " within " + awaitTimeout, e);
        }
    }

    /** Where to dial: the address the peer listens on, with a wildcard host made the loopback. */
    private String address() {
        if (server.listenAddresses().isEmpty()) {
            throw new IllegalStateException("the application's peer does not listen: set teleport.server.listen-address");
        }
        SocketAddress bound = server.listenAddresses().iterator().next();
        if (bound instanceof InetSocketAddress inet && inet.getAddress() != null && inet.getAddress().isAnyLocalAddress()) {
            return Addresses.format(new InetSocketAddress(InetAddress.getLoopbackAddress(), inet.getPort()));
        }
        return Addresses.format(bound);
    }

    /**
     * Pulls and returns the reply body.
     *
     * @throws RerrorException when the reply is an error
     */
    public <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options) {
        return session().pull(uri, body, replyType, options);
    }

    /** Pulls and returns the whole reply (body, metadata, codec); accepts generic types. */
    public <T> Reply<T> pullReply(String uri, @Nullable Object body, Type replyType, CallOption... options) {
        try {
            return session().<T>pullReply(uri, body, replyType, options).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pulling " + uri, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Pulls a call expected to fail and returns its error reply.
     *
     * @throws AssertionError when the pull succeeds
     */
    public Rerror pullError(String uri, @Nullable Object body, CallOption... options) {
        try {
            session().pull(uri, body, Void.class, options);
        } catch (RerrorException e) {
            return e.rerror();
        }
        throw new AssertionError("pull " + uri + " succeeded; expected an error reply");
    }

    /** Pushes and returns once the frame is written. */
    public void push(String uri, @Nullable Object body, CallOption... options) {
        try {
            session().push(uri, body, options).get(awaitTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pushing " + uri, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("push " + uri + " failed: " + e.getMessage(), e);
        }
    }

    /** Every push received so far (to routes not registered on {@link #peer()}), oldest first. */
    public synchronized List<ReceivedPush> pushes() {
        return List.copyOf(pushes);
    }

    /**
     * Waits for a push to {@code path} (without its query), which it then takes out of
     * {@link #pushes()}: each push is returned once, oldest first.
     *
     * @throws AssertionError when none comes within the await timeout
     */
    public ReceivedPush awaitPush(String path) {
        return awaitPush(path, awaitTimeout);
    }

    /**
     * {@link #awaitPush(String)} for at most {@code timeout}: a short one asserts that no such push
     * comes.
     */
    public synchronized ReceivedPush awaitPush(String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < pushes.size(); i++) {
                if (pushes.get(i).path().equals(path)) {
                    return pushes.remove(i);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no push to " + path + " within " + timeout + "; received: " + pushes);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for a push to " + path, e);
            }
        }
    }

    private synchronized void received(UnknownPushContext ctx) {
        pushes.add(new ReceivedPush(ctx.uri(), ctx.path(), ctx.bodyBytes(), ctx.bodyCodec(), client.codecs()));
        notifyAll();
    }

    /** Forgets the pushes received so far, for a test that reuses a cached context. */
    public synchronized void clearPushes() {
        pushes.clear();
    }

    /**
     * Starts afresh, as after each test method: closes the session (the next call dials a new one, and
     * the application sees a new session, without the id or attributes the last test gave the old
     * one) and forgets the pushes received.
     */
    public void reset() {
        Session old;
        synchronized (this) {
            old = session;
            session = null;
            pushes.clear();
        }
        if (old != null) {
            try {
                old.close().get(awaitTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // Closed or not, the next call dials a session of its own.
            }
        }
    }

    /** Closes the client's peer and its session. */
    @Override
    public void close() {
        client.close();
    }
}
