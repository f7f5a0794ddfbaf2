package io.teleport.config;

import io.netty.handler.ssl.SslContext;
import io.teleport.Peer;
import io.teleport.limits.Limits;
import io.teleport.transport.TransportType;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The settings of a {@link Peer}: Teleport v3's {@code PeerConfig} plus what a JVM peer needs.
 * Immutable; built with {@link #builder()}.
 *
 * <p>Durations of zero mean "none" where the setting says so; one longer than fifty years counts as
 * fifty years, so a huge value can stand for "forever". Sizes are in bytes; {@code -1} for a
 * socket buffer keeps the operating system's default.
 */
public final class PeerConfig {

    /**
     * The default read limit: 16 MiB. Go Teleport v3 allows 4 GiB and gRPC-java 4 MiB; 16 MiB keeps
     * the messages Go peers commonly send while bounding what one frame can claim before it is
     * refused.
     */
    public static final int DEFAULT_READ_LIMIT = 16 * 1024 * 1024;

    /** A frozen copy of the builder it was built from: one place lists the settings. */
    private final DefaultPeerConfigBuilder settings;

    PeerConfig(DefaultPeerConfigBuilder b) {
        settings = b.copy();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new DefaultPeerConfigBuilder();
    }

    /** The defaults. */
    public static PeerConfig defaults() {
        return builder().build();
    }

    /** A builder preset to this configuration. */
    public Builder toBuilder() {
        return settings.copy();
    }

    /** {@code tcp}, {@code tcp4}, {@code tcp6} or {@code unix}. Default {@code tcp}. */
    public String network() {
        return settings.network;
    }

    /**
     * The I/O transport: {@link TransportType#AUTO} (the default: epoll on Linux, kqueue on macOS,
     * else NIO), or one named; a native one that cannot load here fails the peer's construction.
     */
    public TransportType transport() {
        return settings.transport;
    }

    /**
     * Where {@link Peer#listen()} listens, such as {@code 0.0.0.0:9090} or a socket path; null (the
     * default) for a peer that only dials or listens on addresses it is given.
     */
    public @Nullable String listenAddress() {
        return settings.listenAddress;
    }

    /**
     * The local IP that TCP dials go out from (Teleport's {@code LocalIP}), such as {@code 127.0.0.2}
     * to spread many sessions over several source addresses; null lets the OS choose.
     */
    public @Nullable String localIp() {
        return settings.localIp;
    }

    /** The codec name for request bodies without an explicit codec. Default {@code json}. */
    public String defaultBodyCodec() {
        return settings.defaultBodyCodec;
    }

    /**
     * The shape of the per-message log: one {@code key=value} line per message at DEBUG
     * ({@link MessageLogFormat#KEY_VALUE}, the default) or Go Teleport's lines at INFO.
     */
    public MessageLogFormat messageLogFormat() {
        return settings.messageLogFormat;
    }

    /** Whether message logs include bodies. Default false. */
    public boolean printBody() {
        return settings.printBody;
    }

    /** Whether the cost of each call is measured and logged. Default false. */
    public boolean countTime() {
        return settings.countTime;
    }

    /**
     * Calls at least this slow are logged at WARN ({@code slow=true}, or {@code (slow)} in Go's
     * lines) whatever the message log's level; zero means never. Needs {@link #countTime()}.
     */
    public Duration slowCometDuration() {
        return settings.slowCometDuration;
    }

    /**
     * Whether the caller of a handler that failed unexpectedly (an exception that is neither a
     * {@code RerrorException} nor mapped by an {@code ExceptionMapper}) gets the exception's message
     * as the detail of its {@code 500}. Default false: callers get the code and "Internal Server
     * Error" only, as with Spring Boot's {@code server.error.include-message=never}, since a message
     * may name internals.
     */
    public boolean includeErrorMessage() {
        return settings.includeErrorMessage;
    }

    /** The largest frame, in bytes, that may be read or written. Default 16 MiB ({@link #DEFAULT_READ_LIMIT}). */
    public int readLimit() {
        return settings.readLimit;
    }

    /** SO_RCVBUF, or -1 for the OS default. */
    public int receiveBufferSize() {
        return settings.receiveBufferSize;
    }

    /** SO_SNDBUF, or -1 for the OS default. */
    public int sendBufferSize() {
        return settings.sendBufferSize;
    }

    /** TCP_NODELAY. Default true, as in Go. */
    public boolean noDelay() {
        return settings.noDelay;
    }

    /** SO_KEEPALIVE. Default true. */
    public boolean keepAlive() {
        return settings.keepAlive;
    }

    /**
     * How long a dial may take: to connect, and for {@link io.teleport.plugins.AuthPlugin}'s token to
     * be answered. Default 10 s.
     */
    public Duration dialTimeout() {
        return settings.dialTimeout;
    }

    /** A session receiving no complete frame for this long is closed; zero means never. */
    public Duration readIdleTimeout() {
        return settings.readIdleTimeout;
    }

    /** A write not done within this long closes the session; zero means never. */
    public Duration writeTimeout() {
        return settings.writeTimeout;
    }

    /** How long a pull waits for its reply unless the call sets its own timeout. Default 30 s. */
    public Duration pullTimeout() {
        return settings.pullTimeout;
    }

    /** Where handlers run. Default {@link HandlerExecution#POOL}. */
    public HandlerExecution handlerExecution() {
        return settings.handlerExecution;
    }

    /**
     * The most pool threads for {@link HandlerExecution#POOL}. Default 200. The pool runs one thread
     * per core and grows toward this only while blocking handlers hold it up; it may grow by a
     * quarter more (from 4 threads up) for senders running fewer than {@code handlerThreads / 32}
     * handlers at once (rounded down, at least one), which senders running more never take.
     */
    public int handlerThreads() {
        return settings.handlerThreads;
    }

    /**
     * How many messages may wait for a pool thread, across all sessions, before pulls are refused
     * with 503 and pushes dropped. Default 10,000: the per-session limits ({@link Limits}) stop
     * reading a session long before one session alone could fill it.
     */
    public int handlerQueueCapacity() {
        return settings.handlerQueueCapacity;
    }

    /**
     * How long a pull's handler may take to complete the {@link java.util.concurrent.CompletionStage} it
     * returned: past it the pull is answered {@code 408} "Handle Timeout" (erpc's code for a handler out
     * of time), no longer counts against the session's in-flight limit, and the stage's later result is
     * dropped. A stage that never completes would otherwise hold its place for good, and enough of them
     * stop the session being read. A handler that blocks its thread is not bounded by it. Zero: no bound.
     * Default 60 s, twice the default {@link #pullTimeout()}.
     */
    public Duration asyncHandlerTimeout() {
        return settings.asyncHandlerTimeout;
    }

    /**
     * An executor of the caller's for handlers, which the peer uses but does not shut down; null (the
     * default) to run them as {@link #handlerExecution()} says.
     */
    public @Nullable Executor handlerExecutor() {
        return settings.handlerExecutor;
    }

    /**
     * The number of I/O threads; 0 (the default) for one per core when handlers run on an executor,
     * where I/O threads only read, frame and write, and for Netty's default (twice the cores) when
     * handlers run inline on them.
     */
    public int ioThreads() {
        return settings.ioThreads;
    }

    /**
     * Whether listening sockets set SO_REUSEPORT, so that a new process can bind the same port and
     * take new connections while the old one drains (graceful restart). Default false.
     */
    public boolean reusePort() {
        return settings.reusePort;
    }

    /**
     * How many times a dialed session redials after its connection breaks: 0 never (the default),
     * -1 without limit.
     */
    public int redialTimes() {
        return settings.redialTimes;
    }

    /** The wait before the first redial; it doubles, with jitter, up to {@link #redialMaxInterval()}. */
    public Duration redialInterval() {
        return settings.redialInterval;
    }

    /** The longest wait between redials. */
    public Duration redialMaxInterval() {
        return settings.redialMaxInterval;
    }

    /** How long a graceful close may wait for handlers and pulls in flight. Default 15 s, as in Go. */
    public Duration shutdownTimeout() {
        return settings.shutdownTimeout;
    }

    /** TLS for accepted connections; {@code null} for plain TCP. The peer's at start: see {@code Peer.tls()}. */
    public @Nullable SslContext serverSslContext() {
        return settings.serverSslContext;
    }

    /** TLS for dialed connections; {@code null} for plain TCP. The peer's at start: see {@code Peer.tls()}. */
    public @Nullable SslContext clientSslContext() {
        return settings.clientSslContext;
    }

    /** What a remote peer may make this peer spend: see {@link Limits}. */
    public Limits limits() {
        return settings.limits;
    }

    /** Builds a {@link PeerConfig}; every setter validates its argument at once. */
    public interface Builder {

        /** See {@link PeerConfig#limits()}. */
        Builder limits(Limits limits);

        /** See {@link PeerConfig#reusePort()}. */
        Builder reusePort(boolean reusePort);

        /** See {@link PeerConfig#redialTimes()}. */
        Builder redialTimes(int redialTimes);

        /** See {@link PeerConfig#redialInterval()}. */
        Builder redialInterval(Duration redialInterval);

        /** See {@link PeerConfig#redialMaxInterval()}. */
        Builder redialMaxInterval(Duration redialMaxInterval);

        /** See {@link PeerConfig#shutdownTimeout()}. */
        Builder shutdownTimeout(Duration shutdownTimeout);

        /** See {@link PeerConfig#serverSslContext()}. */
        Builder serverSslContext(@Nullable SslContext serverSslContext);

        /** See {@link PeerConfig#clientSslContext()}. */
        Builder clientSslContext(@Nullable SslContext clientSslContext);

        /** See {@link PeerConfig#network()}. */
        Builder network(String network);

        /** See {@link PeerConfig#transport()}. */
        Builder transport(TransportType transport);

        /** See {@link PeerConfig#listenAddress()}. */
        Builder listenAddress(@Nullable String listenAddress);

        /** See {@link PeerConfig#defaultBodyCodec()}. */
        Builder defaultBodyCodec(String defaultBodyCodec);

        /** See {@link PeerConfig#messageLogFormat()}. */
        Builder messageLogFormat(MessageLogFormat messageLogFormat);

        /** See {@link PeerConfig#printBody()}. */
        Builder printBody(boolean printBody);

        /** See {@link PeerConfig#countTime()}. */
        Builder countTime(boolean countTime);

        /** See {@link PeerConfig#slowCometDuration()}. */
        Builder slowCometDuration(Duration slowCometDuration);

        /** See {@link PeerConfig#includeErrorMessage()}. */
        Builder includeErrorMessage(boolean includeErrorMessage);

        /** See {@link PeerConfig#readLimit()}. */
        Builder readLimit(int readLimit);

        /** See {@link PeerConfig#receiveBufferSize()}. */
        Builder receiveBufferSize(int bytes);

        /** See {@link PeerConfig#sendBufferSize()}. */
        Builder sendBufferSize(int bytes);

        /**
         * See {@link PeerConfig#localIp()}: an IPv4 or IPv6 literal (a name is refused: a source
         * address that changes with DNS is not what anyone wants), or null for the OS's choice.
         */
        Builder localIp(@Nullable String ip);

        /** See {@link PeerConfig#noDelay()}. */
        Builder noDelay(boolean noDelay);

        /** See {@link PeerConfig#keepAlive()}. */
        Builder keepAlive(boolean keepAlive);

        /** See {@link PeerConfig#dialTimeout()}. */
        Builder dialTimeout(Duration dialTimeout);

        /** See {@link PeerConfig#readIdleTimeout()}. */
        Builder readIdleTimeout(Duration readIdleTimeout);

        /** See {@link PeerConfig#writeTimeout()}. */
        Builder writeTimeout(Duration writeTimeout);

        /** See {@link PeerConfig#pullTimeout()}. */
        Builder pullTimeout(Duration pullTimeout);

        /** See {@link PeerConfig#handlerExecution()}. */
        Builder handlerExecution(HandlerExecution handlerExecution);

        /** See {@link PeerConfig#handlerThreads()}. */
        Builder handlerThreads(int handlerThreads);

        /** See {@link PeerConfig#handlerQueueCapacity()}. */
        Builder handlerQueueCapacity(int handlerQueueCapacity);

        /** See {@link PeerConfig#asyncHandlerTimeout()}; zero for no bound. */
        Builder asyncHandlerTimeout(Duration timeout);

        /** See {@link PeerConfig#handlerExecutor()}. */
        Builder handlerExecutor(@Nullable Executor handlerExecutor);

        /** See {@link PeerConfig#ioThreads()}. */
        Builder ioThreads(int ioThreads);

        /** Builds the configuration. */
        PeerConfig build();
    }
}
