package io.teleport.config;

import io.teleport.Peer;
import io.teleport.limits.Limits;
import io.netty.handler.ssl.SslContext;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The settings of a {@link Peer}: Teleport v3's {@code PeerConfig} plus what a JVM peer needs.
 * Immutable; built with {@link #builder()}.
 *
 * <p>Durations of zero mean "none" where the setting says so. Sizes are in bytes; {@code -1} for a
 * socket buffer keeps the operating system's default.
 */
public final class PeerConfig {

    /**
     * The default read limit: 16 MiB. Go Teleport v3 allows 4 GiB and gRPC-java 4 MiB; 16 MiB keeps
     * the messages Go peers commonly send while bounding what one frame can claim before it is
     * refused.
     */
    public static final int DEFAULT_READ_LIMIT = 16 * 1024 * 1024;

    private final String network;
    private final String listenAddress;
    private final String localIp;
    private final String defaultBodyCodec;
    private final boolean printBody;
    private final boolean countTime;
    private final Duration slowCometDuration;
    private final int readLimit;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final boolean noDelay;
    private final boolean keepAlive;
    private final Duration dialTimeout;
    private final Duration readIdleTimeout;
    private final Duration writeTimeout;
    private final Duration pullTimeout;
    private final HandlerExecution handlerExecution;
    private final int handlerThreads;
    private final int handlerQueueCapacity;
    private final Executor handlerExecutor;
    private final int ioThreads;
    private final boolean reusePort;
    private final int redialTimes;
    private final Duration redialInterval;
    private final Duration redialMaxInterval;
    private final Duration shutdownTimeout;
    private final SslContext serverSslContext;
    private final SslContext clientSslContext;
    private final Limits limits;

    private PeerConfig(Builder b) {
        network = b.network;
        listenAddress = b.listenAddress;
        localIp = b.localIp;
        defaultBodyCodec = b.defaultBodyCodec;
        printBody = b.printBody;
        countTime = b.countTime;
        slowCometDuration = b.slowCometDuration;
        readLimit = b.readLimit;
        receiveBufferSize = b.receiveBufferSize;
        sendBufferSize = b.sendBufferSize;
        noDelay = b.noDelay;
        keepAlive = b.keepAlive;
        dialTimeout = b.dialTimeout;
        readIdleTimeout = b.readIdleTimeout;
        writeTimeout = b.writeTimeout;
        pullTimeout = b.pullTimeout;
        handlerExecution = b.handlerExecution;
        handlerThreads = b.handlerThreads;
        handlerQueueCapacity = b.handlerQueueCapacity;
        handlerExecutor = b.handlerExecutor;
        ioThreads = b.ioThreads;
        reusePort = b.reusePort;
        redialTimes = b.redialTimes;
        redialInterval = b.redialInterval;
        redialMaxInterval = b.redialMaxInterval;
        shutdownTimeout = b.shutdownTimeout;
        serverSslContext = b.serverSslContext;
        clientSslContext = b.clientSslContext;
        limits = b.limits;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static PeerConfig defaults() {
        return builder().build();
    }

    /** A builder preset to this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.network = network;
        b.listenAddress = listenAddress;
        b.localIp = localIp;
        b.defaultBodyCodec = defaultBodyCodec;
        b.printBody = printBody;
        b.countTime = countTime;
        b.slowCometDuration = slowCometDuration;
        b.readLimit = readLimit;
        b.receiveBufferSize = receiveBufferSize;
        b.sendBufferSize = sendBufferSize;
        b.noDelay = noDelay;
        b.keepAlive = keepAlive;
        b.dialTimeout = dialTimeout;
        b.readIdleTimeout = readIdleTimeout;
        b.writeTimeout = writeTimeout;
        b.pullTimeout = pullTimeout;
        b.handlerExecution = handlerExecution;
        b.handlerThreads = handlerThreads;
        b.handlerQueueCapacity = handlerQueueCapacity;
        b.handlerExecutor = handlerExecutor;
        b.ioThreads = ioThreads;
        b.reusePort = reusePort;
        b.redialTimes = redialTimes;
        b.redialInterval = redialInterval;
        b.redialMaxInterval = redialMaxInterval;
        b.shutdownTimeout = shutdownTimeout;
        b.serverSslContext = serverSslContext;
        b.clientSslContext = clientSslContext;
        b.limits = limits;
        return b;
    }

    /** {@code tcp}, {@code tcp4}, {@code tcp6} or {@code unix}. Default {@code tcp}. */
    public String network() {
        return network;
    }

    /** Where {@link Peer#listen()} listens, such as {@code 0.0.0.0:9090} or a socket path; may be null. */
    public String listenAddress() {
        return listenAddress;
    }

    /**
     * The local IP that TCP dials go out from (Teleport's {@code LocalIP}), such as {@code 127.0.0.2}
     * to spread many sessions over several source addresses; null lets the OS choose.
     */
    public String localIp() {
        return localIp;
    }

    /** The codec name for request bodies without an explicit codec. Default {@code json}. */
    public String defaultBodyCodec() {
        return defaultBodyCodec;
    }

    /** Whether message logs include bodies. Default false. */
    public boolean printBody() {
        return printBody;
    }

    /** Whether the cost of each call is measured and logged. Default false. */
    public boolean countTime() {
        return countTime;
    }

    /** Calls at least this slow are logged at WARN with {@code (slow)}; zero means never. */
    public Duration slowCometDuration() {
        return slowCometDuration;
    }

    /** The largest frame, in bytes, that may be read or written. Default 16 MiB ({@link #DEFAULT_READ_LIMIT}). */
    public int readLimit() {
        return readLimit;
    }

    /** SO_RCVBUF, or -1 for the OS default. */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** SO_SNDBUF, or -1 for the OS default. */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /** TCP_NODELAY. Default true, as in Go. */
    public boolean noDelay() {
        return noDelay;
    }

    /** SO_KEEPALIVE. Default true. */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** How long a dial may take. Default 10 s. */
    public Duration dialTimeout() {
        return dialTimeout;
    }

    /** A session receiving no complete frame for this long is closed; zero means never. */
    public Duration readIdleTimeout() {
        return readIdleTimeout;
    }

    /** A write not done within this long closes the session; zero means never. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** How long a pull waits for its reply unless the call sets its own timeout. Default 30 s. */
    public Duration pullTimeout() {
        return pullTimeout;
    }

    /** Where handlers run. Default {@link HandlerExecution#POOL}. */
    public HandlerExecution handlerExecution() {
        return handlerExecution;
    }

    /**
     * The most pool threads for {@link HandlerExecution#POOL}. Default 200. The pool runs one thread
     * per core and grows toward this only while blocking handlers hold it up.
     */
    public int handlerThreads() {
        return handlerThreads;
    }

    /**
     * How many messages may wait for a pool thread, across all sessions, before pulls are refused
     * with 503 and pushes dropped. Default 10,000: the per-session limits ({@link Limits}) stop
     * reading a session long before one session alone could fill it.
     */
    public int handlerQueueCapacity() {
        return handlerQueueCapacity;
    }

    /** An executor of the caller's for handlers, which the peer uses but does not shut down; may be null. */
    public Executor handlerExecutor() {
        return handlerExecutor;
    }

    /**
     * The number of I/O threads; 0 (the default) for one per core when handlers run on an executor,
     * where I/O threads only read, frame and write, and for Netty's default (twice the cores) when
     * handlers run inline on them.
     */
    public int ioThreads() {
        return ioThreads;
    }

    /**
     * Whether listening sockets set SO_REUSEPORT, so that a new process can bind the same port and
     * take new connections while the old one drains (graceful restart). Default false.
     */
    public boolean reusePort() {
        return reusePort;
    }

    /**
     * How many times a dialed session redials after its connection breaks: 0 never (the default),
     * -1 without limit.
     */
    public int redialTimes() {
        return redialTimes;
    }

    /** The wait before the first redial; it doubles, with jitter, up to {@link #redialMaxInterval()}. */
    public Duration redialInterval() {
        return redialInterval;
    }

    /** The longest wait between redials. */
    public Duration redialMaxInterval() {
        return redialMaxInterval;
    }

    /** How long a graceful close may wait for handlers and pulls in flight. Default 15 s, as in Go. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** TLS for accepted connections; {@code null} for plain TCP. */
    public SslContext serverSslContext() {
        return serverSslContext;
    }

    /** TLS for dialed connections; {@code null} for plain TCP. */
    public SslContext clientSslContext() {
        return clientSslContext;
    }

    /** What a remote peer may make this peer spend: see {@link Limits}. */
    public Limits limits() {
        return limits;
    }

    /** Builds a {@link PeerConfig}; every setter validates its argument at once. */
    public static final class Builder {

        private String network = "tcp";
        private String listenAddress;
        private String localIp;
        private String defaultBodyCodec = "json";
        private boolean printBody;
        private boolean countTime;
        private Duration slowCometDuration = Duration.ZERO;
        private int readLimit = DEFAULT_READ_LIMIT;
        private int receiveBufferSize = -1;
        private int sendBufferSize = -1;
        private boolean noDelay = true;
        private boolean keepAlive = true;
        private Duration dialTimeout = Duration.ofSeconds(10);
        private Duration readIdleTimeout = Duration.ZERO;
        private Duration writeTimeout = Duration.ZERO;
        private Duration pullTimeout = Duration.ofSeconds(30);
        private HandlerExecution handlerExecution = HandlerExecution.POOL;
        private int handlerThreads = 200;
        private int handlerQueueCapacity = 10_000;
        private Executor handlerExecutor;
        private int ioThreads;
        private boolean reusePort;
        private int redialTimes;
        private Duration redialInterval = Duration.ofMillis(100);
        private Duration redialMaxInterval = Duration.ofSeconds(10);
        private Duration shutdownTimeout = Duration.ofSeconds(15);
        private SslContext serverSslContext;
        private SslContext clientSslContext;
        private Limits limits = Limits.defaults();

        private Builder() {
        }

        /** See {@link PeerConfig#limits()}. */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** See {@link PeerConfig#reusePort()}. */
        public Builder reusePort(boolean reusePort) {
            this.reusePort = reusePort;
            return this;
        }

        /** See {@link PeerConfig#redialTimes()}. */
        public Builder redialTimes(int redialTimes) {
            if (redialTimes < -1) {
                throw new IllegalArgumentException("redialTimes: " + redialTimes + " (expected: -1 for unlimited, or >= 0)");
            }
            this.redialTimes = redialTimes;
            return this;
        }

        /** See {@link PeerConfig#redialInterval()}. */
        public Builder redialInterval(Duration redialInterval) {
            this.redialInterval = positive(redialInterval, "redialInterval");
            return this;
        }

        /** See {@link PeerConfig#redialMaxInterval()}. */
        public Builder redialMaxInterval(Duration redialMaxInterval) {
            this.redialMaxInterval = positive(redialMaxInterval, "redialMaxInterval");
            return this;
        }

        /** See {@link PeerConfig#shutdownTimeout()}. */
        public Builder shutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = nonNegative(shutdownTimeout, "shutdownTimeout");
            return this;
        }

        /** See {@link PeerConfig#serverSslContext()}. */
        public Builder serverSslContext(SslContext serverSslContext) {
            if (serverSslContext != null && !serverSslContext.isServer()) {
                throw new IllegalArgumentException("serverSslContext: a client context (expected: SslContextBuilder.forServer)");
            }
            this.serverSslContext = serverSslContext;
            return this;
        }

        /** See {@link PeerConfig#clientSslContext()}. */
        public Builder clientSslContext(SslContext clientSslContext) {
            if (clientSslContext != null && !clientSslContext.isClient()) {
                throw new IllegalArgumentException("clientSslContext: a server context (expected: SslContextBuilder.forClient)");
            }
            this.clientSslContext = clientSslContext;
            return this;
        }

        /** See {@link PeerConfig#network()}. */
        public Builder network(String network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /** See {@link PeerConfig#listenAddress()}. */
        public Builder listenAddress(String listenAddress) {
            this.listenAddress = listenAddress;
            return this;
        }

        /** See {@link PeerConfig#defaultBodyCodec()}. */
        public Builder defaultBodyCodec(String defaultBodyCodec) {
            this.defaultBodyCodec = Objects.requireNonNull(defaultBodyCodec, "defaultBodyCodec");
            return this;
        }

        /** See {@link PeerConfig#printBody()}. */
        public Builder printBody(boolean printBody) {
            this.printBody = printBody;
            return this;
        }

        /** See {@link PeerConfig#countTime()}. */
        public Builder countTime(boolean countTime) {
            this.countTime = countTime;
            return this;
        }

        /** See {@link PeerConfig#slowCometDuration()}. */
        public Builder slowCometDuration(Duration slowCometDuration) {
            this.slowCometDuration = nonNegative(slowCometDuration, "slowCometDuration");
            return this;
        }

        /** See {@link PeerConfig#readLimit()}. */
        public Builder readLimit(int readLimit) {
            if (readLimit < 24) {
                throw new IllegalArgumentException("readLimit: " + readLimit + " (expected: >= 24, the smallest frame)");
            }
            this.readLimit = readLimit;
            return this;
        }

        /** See {@link PeerConfig#receiveBufferSize()}. */
        public Builder receiveBufferSize(int bytes) {
            this.receiveBufferSize = bufferSize(bytes, "receiveBufferSize");
            return this;
        }

        /** See {@link PeerConfig#sendBufferSize()}. */
        public Builder sendBufferSize(int bytes) {
            this.sendBufferSize = bufferSize(bytes, "sendBufferSize");
            return this;
        }

        /**
         * See {@link PeerConfig#localIp()}: an IPv4 or IPv6 literal (a name is refused: a source
         * address that changes with DNS is not what anyone wants), or null for the OS's choice.
         */
        public Builder localIp(String ip) {
            this.localIp = ip == null || ip.isBlank() ? null : ipLiteral(ip.trim());
            return this;
        }

        /** See {@link PeerConfig#noDelay()}. */
        public Builder noDelay(boolean noDelay) {
            this.noDelay = noDelay;
            return this;
        }

        /** See {@link PeerConfig#keepAlive()}. */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /** See {@link PeerConfig#dialTimeout()}. */
        public Builder dialTimeout(Duration dialTimeout) {
            this.dialTimeout = positive(dialTimeout, "dialTimeout");
            return this;
        }

        /** See {@link PeerConfig#readIdleTimeout()}. */
        public Builder readIdleTimeout(Duration readIdleTimeout) {
            this.readIdleTimeout = nonNegative(readIdleTimeout, "readIdleTimeout");
            return this;
        }

        /** See {@link PeerConfig#writeTimeout()}. */
        public Builder writeTimeout(Duration writeTimeout) {
            this.writeTimeout = nonNegative(writeTimeout, "writeTimeout");
            return this;
        }

        /** See {@link PeerConfig#pullTimeout()}. */
        public Builder pullTimeout(Duration pullTimeout) {
            this.pullTimeout = positive(pullTimeout, "pullTimeout");
            return this;
        }

        /** See {@link PeerConfig#handlerExecution()}. */
        public Builder handlerExecution(HandlerExecution handlerExecution) {
            this.handlerExecution = Objects.requireNonNull(handlerExecution, "handlerExecution");
            return this;
        }

        /** See {@link PeerConfig#handlerThreads()}. */
        public Builder handlerThreads(int handlerThreads) {
            if (handlerThreads < 1) {
                throw new IllegalArgumentException("handlerThreads: " + handlerThreads + " (expected: >= 1)");
            }
            this.handlerThreads = handlerThreads;
            return this;
        }

        /** See {@link PeerConfig#handlerQueueCapacity()}. */
        public Builder handlerQueueCapacity(int handlerQueueCapacity) {
            if (handlerQueueCapacity < 1) {
                throw new IllegalArgumentException("handlerQueueCapacity: " + handlerQueueCapacity + " (expected: >= 1)");
            }
            this.handlerQueueCapacity = handlerQueueCapacity;
            return this;
        }

        /** See {@link PeerConfig#handlerExecutor()}. */
        public Builder handlerExecutor(Executor handlerExecutor) {
            this.handlerExecutor = handlerExecutor;
            return this;
        }

        /** See {@link PeerConfig#ioThreads()}. */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 0) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 0)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** Builds the configuration. */
        public PeerConfig build() {
            return new PeerConfig(this);
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
            }
            return d;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        private static String ipLiteral(String ip) {
            String bare = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
            // A zone (fe80::1%eth0) passes the syntax check but does not become an address: refuse it
            // rather than bind to every interface.
            if (io.netty.util.NetUtil.createInetAddressFromIpAddressString(bare) == null) {
                throw new IllegalArgumentException("localIp: " + ip + " (expected: an IPv4 or IPv6 address)");
            }
            return bare;
        }

        private static int bufferSize(int bytes, String name) {
            if (bytes < -1 || bytes == 0) {
                throw new IllegalArgumentException(name + ": " + bytes + " (expected: -1 for the OS default, or > 0)");
            }
            return bytes;
        }
    }
}
