package io.teleport.session;

import io.teleport.proto.Proto;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Type;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * One connection between two peers, the same on both ends: whichever side dialed, either side can
 * pull and push through it.
 *
 * <p>Every pull ends: with its reply, with {@code 408} when its timeout passes, with {@code 102} when
 * the connection closes while it waits, or with {@code 104} when it cannot be written. Failures are
 * {@link io.teleport.message.RerrorException}s. All methods are thread-safe.
 *
 * <p>Pulls and pushes encode their body on the calling thread, before they return: the caller may
 * change the body object afterwards, and a body that cannot be encoded (or a frame over the read
 * limit) throws {@code RerrorException} with {@code 104} at once, from the asynchronous methods too.
 */
public interface Session {

    /**
     * The session's id in its peer's hub: by default the remote address on the accepting side and
     * the local address on the dialing side. A local label only; it never goes on the wire.
     */
    String id();

    /**
     * Changes the id. A session already holding {@code newId} in the same peer is closed.
     *
     * @throws IllegalArgumentException for an id longer than 1,024 characters, or with a control or
     *     formatting character (a line break, an escape, a bidi override): ids are in log lines, the
     *     actuator and memory for as long as the session lives, and one taken from what a remote sent
     *     (a player's name) must not make them any size the remote likes, nor forge a line of the log
     */
    void setId(String newId);

    /**
     * Whether this side dialed the connection (a client's session, which may redial) rather than
     * accepted it. A peer that both listens and dials holds both kinds: a broadcast to "the clients"
     * means the accepted ones.
     */
    boolean dialed();

    /**
     * While this dialed session redials, why its latest attempt failed; {@code null} once a connection
     * is up again, for accepted sessions, and before the first attempt of an outage has ended. For
     * health checks, which otherwise see only that the session is not {@linkplain #isHealthy() healthy}.
     */
    @Nullable Throwable redialFailure();

    /** The remote address. */
    SocketAddress remoteAddress();

    /** The local address. */
    SocketAddress localAddress();

    /**
     * The wire protocol of this session: the one it was dialed or accepted with, or, on a port that
     * listens with {@link io.teleport.proto.AutoProto}, the one the client's first frame showed
     * ({@code AutoProto} until that arrived). Plugins use it to follow each generation's conventions.
     */
    Proto proto();

    /** When the session's connection was made (the latest one, after a redial). */
    java.time.Instant connectedAt();

    /** The number of this side's pulls on this session still waiting for a reply. */
    int pendingPulls();

    /** Whether the connection is open and the session is not closing. */
    boolean isHealthy();

    /**
     * Whether the connection takes more writes without queueing: its outbound buffer is below the
     * high water mark and this session's queued bytes below {@link io.teleport.limits.Limits#maxOutboundBytesPerSession()}.
     * A producer that pushes faster than the other side reads should wait for {@link #whenWritable()}
     * when this turns false; pulls and pushes past the limit fail at once with {@code 104}.
     */
    boolean isWritable();

    /** Bytes of this side's frames handed to the connection and not yet written to its socket. */
    long outboundBytes();

    /**
     * Completes when the connection's outbound buffer is below its high water mark: at once when it
     * is now, and otherwise off the I/O thread once the other side has read enough. Fails with
     * {@code 104} once the session is closed.
     */
    CompletableFuture<Void> whenWritable();

    /**
     * The largest frame, length prefix included, this session reads from the other side: the peer's
     * {@link io.teleport.config.PeerConfig#readLimit()}, or less. An accepted session starts at the
     * smallest {@link io.teleport.plugin.UnverifiedReadLimit} of the peer's plugins, if any (the
     * authentication handshake's), until its plugin lifts it. A larger frame closes the connection.
     */
    int readLimit();

    /**
     * Sets {@link #readLimit()} for the frames not yet whole (a frame over 64 KiB already being gathered
     * keeps the limit it started with): lower it for a peer not yet trusted, raise it once that peer has
     * proved itself. Above the peer's read limit, the peer's applies ({@code Integer.MAX_VALUE}: the peer's).
     *
     * @throws IllegalArgumentException below 24 bytes, the smallest frame
     */
    void setReadLimit(int bytes);

    /**
     * Per-session attributes for the application and plugins; they live as long as the session.
     */
    ConcurrentMap<String, Object> attributes();

    /**
     * Pulls and waits for the reply body.
     *
     * @param uri the URI, such as {@code /home/test?id=1}
     * @param body the request body, or {@code null} for none
     * @param replyType the type to decode the reply body into; {@code byte[]} for the raw bytes,
     *     {@code Void} to discard it
     * @return the reply body, {@code null} when the reply had none
     * @throws io.teleport.message.RerrorException when the pull fails
     * @throws IllegalStateException when called on this session's I/O thread, which it would block
     */
    <T> @Nullable T pull(String uri, @Nullable Object body, Class<T> replyType, CallOption... options);

    /**
     * Pulls without waiting; the future completes with the reply body ({@code null} when the reply had
     * none) or a {@code RerrorException}.
     */
    <T> CompletableFuture<@Nullable T> pullAsync(String uri, @Nullable Object body, Class<T> replyType,
            CallOption... options);

    /**
     * Pulls without waiting, for the whole reply: body, metadata and codec. Accepts generic types.
     */
    <T> CompletableFuture<Reply<T>> pullReply(String uri, @Nullable Object body, Type replyType,
            CallOption... options);

    /**
     * Pushes a one-way message. The future completes when the frame is written, or fails with
     * {@code 104} when it cannot be, or when the session, redialing, has not reconnected within the
     * push's timeout ({@link CallOptions#timeout}, else the peer's pull timeout). It completes on the
     * connection's I/O thread, as Netty's write futures do (that timeout's failure on the peer's timer
     * thread): chain blocking work with the {@code *Async} methods of the future.
     */
    CompletableFuture<Void> push(String uri, @Nullable Object body, CallOption... options);

    /**
     * Closes the session gracefully: no new pulls or pushes; handlers in flight finish and reply, and
     * this side's pulls get their replies, for at most the peer's shutdown timeout; then the connection
     * closes and whatever still waits ends with {@code 102}. Idempotent. Pushes written before are
     * handled by the other side (a Go peer or this one) even though the connection closes right after.
     *
     * @return completes when the connection is closed
     */
    CompletableFuture<Void> close();

    /** Completes when the session has closed, whoever closed it. */
    CompletableFuture<Void> closeFuture();

    /**
     * Closes the session's connection as if it had broken, for code that judges it dead (a heartbeat
     * left unanswered): a session this side dialed dials again when its redials allow, as after a
     * network failure, while {@link #close()} would end it for good; an accepted session closes.
     *
     * @param why what the calls that end with the connection are told, as the reason this side closed it
     * @return completes once the connection is closed (its session may not show it yet); by default, an
     *     implementation that cannot keep a session through a new connection closes the session
     */
    default CompletableFuture<Void> dropConnection(String why) {
        return close();
    }
}
