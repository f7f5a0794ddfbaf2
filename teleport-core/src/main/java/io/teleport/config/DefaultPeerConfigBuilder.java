package io.teleport.config;

import io.netty.handler.ssl.SslContext;
import io.teleport.limits.DurationSettings;
import io.teleport.limits.Limits;
import io.teleport.transport.TransportType;
import org.jspecify.annotations.Nullable;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The one {@link PeerConfig.Builder}: holds the settings with their defaults and validates each at
 * once. A built {@link PeerConfig} keeps a frozen copy and reads its settings from it.
 */
final class DefaultPeerConfigBuilder implements PeerConfig.Builder, Cloneable {

    String network = "tcp";
    TransportType transport = TransportType.AUTO;
    @Nullable String listenAddress;
    @Nullable String localIp;
    String defaultBodyCodec = "json";
    boolean printBody;
    boolean countTime;
    Duration slowCometDuration = Duration.ZERO;
    boolean includeErrorMessage;
    MessageLogFormat messageLogFormat = MessageLogFormat.KEY_VALUE;
    int readLimit = PeerConfig.DEFAULT_READ_LIMIT;
    int receiveBufferSize = -1;
    int sendBufferSize = -1;
    boolean noDelay = true;
    boolean keepAlive = true;
    Duration dialTimeout = Duration.ofSeconds(10);
    Duration readIdleTimeout = Duration.ZERO;
    Duration writeTimeout = Duration.ZERO;
    Duration pullTimeout = Duration.ofSeconds(30);
    HandlerExecution handlerExecution = HandlerExecution.POOL;
    int handlerThreads = 200;
    int handlerQueueCapacity = 10_000;
    Duration asyncHandlerTimeout = Duration.ofSeconds(60);
    @Nullable Executor handlerExecutor;
    int ioThreads;
    boolean reusePort;
    int redialTimes;
    Duration redialInterval = Duration.ofMillis(100);
    Duration redialMaxInterval = Duration.ofSeconds(10);
    Duration shutdownTimeout = Duration.ofSeconds(15);
    @Nullable SslContext serverSslContext;
    @Nullable SslContext clientSslContext;
    Limits limits = Limits.defaults();

    DefaultPeerConfigBuilder() {
    }

    @Override
    public PeerConfig.Builder limits(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    @Override
    public PeerConfig.Builder reusePort(boolean reusePort) {
        this.reusePort = reusePort;
        return this;
    }

    @Override
    public PeerConfig.Builder redialTimes(int redialTimes) {
        if (redialTimes < -1) {
            throw new IllegalArgumentException("redialTimes: " + redialTimes + " (expected: -1 for unlimited, or >= 0)");
        }
        this.redialTimes = redialTimes;
        return this;
    }

    @Override
    public PeerConfig.Builder redialInterval(Duration redialInterval) {
        this.redialInterval = DurationSettings.positive(redialInterval, "redialInterval");
        return this;
    }

    @Override
    public PeerConfig.Builder redialMaxInterval(Duration redialMaxInterval) {
        this.redialMaxInterval = DurationSettings.positive(redialMaxInterval, "redialMaxInterval");
        return this;
    }

    @Override
    public PeerConfig.Builder shutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = DurationSettings.nonNegative(shutdownTimeout, "shutdownTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder serverSslContext(@Nullable SslContext serverSslContext) {
        if (serverSslContext != null && !serverSslContext.isServer()) {
            throw new IllegalArgumentException("serverSslContext: a client context (expected: SslContextBuilder.forServer)");
        }
        this.serverSslContext = serverSslContext;
        return this;
    }

    @Override
    public PeerConfig.Builder clientSslContext(@Nullable SslContext clientSslContext) {
        if (clientSslContext != null && !clientSslContext.isClient()) {
            throw new IllegalArgumentException("clientSslContext: a server context (expected: SslContextBuilder.forClient)");
        }
        this.clientSslContext = clientSslContext;
        return this;
    }

    @Override
    public PeerConfig.Builder network(String network) {
        this.network = Objects.requireNonNull(network, "network");
        return this;
    }

    @Override
    public PeerConfig.Builder transport(TransportType transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    @Override
    public PeerConfig.Builder listenAddress(@Nullable String listenAddress) {
        this.listenAddress = listenAddress;
        return this;
    }

    @Override
    public PeerConfig.Builder defaultBodyCodec(String defaultBodyCodec) {
        this.defaultBodyCodec = Objects.requireNonNull(defaultBodyCodec, "defaultBodyCodec");
        return this;
    }

    @Override
    public PeerConfig.Builder printBody(boolean printBody) {
        this.printBody = printBody;
        return this;
    }

    @Override
    public PeerConfig.Builder countTime(boolean countTime) {
        this.countTime = countTime;
        return this;
    }

    @Override
    public PeerConfig.Builder slowCometDuration(Duration slowCometDuration) {
        this.slowCometDuration = DurationSettings.nonNegative(slowCometDuration, "slowCometDuration");
        return this;
    }

    @Override
    public PeerConfig.Builder messageLogFormat(MessageLogFormat messageLogFormat) {
        this.messageLogFormat = Objects.requireNonNull(messageLogFormat, "messageLogFormat");
        return this;
    }

    @Override
    public PeerConfig.Builder includeErrorMessage(boolean includeErrorMessage) {
        this.includeErrorMessage = includeErrorMessage;
        return this;
    }

    @Override
    public PeerConfig.Builder readLimit(int readLimit) {
        if (readLimit < 24) {
            throw new IllegalArgumentException("readLimit: " + readLimit + " (expected: >= 24, the smallest frame)");
        }
        this.readLimit = readLimit;
        return this;
    }

    @Override
    public PeerConfig.Builder receiveBufferSize(int bytes) {
        this.receiveBufferSize = bufferSize(bytes, "receiveBufferSize");
        return this;
    }

    @Override
    public PeerConfig.Builder sendBufferSize(int bytes) {
        this.sendBufferSize = bufferSize(bytes, "sendBufferSize");
        return this;
    }

    @Override
    public PeerConfig.Builder localIp(@Nullable String ip) {
        this.localIp = ip == null || ip.isBlank() ? null : ipLiteral(ip.trim());
        return this;
    }

    @Override
    public PeerConfig.Builder noDelay(boolean noDelay) {
        this.noDelay = noDelay;
        return this;
    }

    @Override
    public PeerConfig.Builder keepAlive(boolean keepAlive) {
        this.keepAlive = keepAlive;
        return this;
    }

    @Override
    public PeerConfig.Builder dialTimeout(Duration dialTimeout) {
        this.dialTimeout = DurationSettings.positive(dialTimeout, "dialTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder readIdleTimeout(Duration readIdleTimeout) {
        this.readIdleTimeout = DurationSettings.nonNegative(readIdleTimeout, "readIdleTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder writeTimeout(Duration writeTimeout) {
        this.writeTimeout = DurationSettings.nonNegative(writeTimeout, "writeTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder pullTimeout(Duration pullTimeout) {
        this.pullTimeout = DurationSettings.positive(pullTimeout, "pullTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder handlerExecution(HandlerExecution handlerExecution) {
        this.handlerExecution = Objects.requireNonNull(handlerExecution, "handlerExecution");
        return this;
    }

    @Override
    public PeerConfig.Builder handlerThreads(int handlerThreads) {
        if (handlerThreads < 1) {
            throw new IllegalArgumentException("handlerThreads: " + handlerThreads + " (expected: >= 1)");
        }
        this.handlerThreads = handlerThreads;
        return this;
    }

    @Override
    public PeerConfig.Builder handlerQueueCapacity(int handlerQueueCapacity) {
        if (handlerQueueCapacity < 1) {
            throw new IllegalArgumentException("handlerQueueCapacity: " + handlerQueueCapacity + " (expected: >= 1)");
        }
        this.handlerQueueCapacity = handlerQueueCapacity;
        return this;
    }

    @Override
    public PeerConfig.Builder asyncHandlerTimeout(Duration timeout) {
        this.asyncHandlerTimeout = DurationSettings.nonNegative(timeout, "asyncHandlerTimeout");
        return this;
    }

    @Override
    public PeerConfig.Builder handlerExecutor(@Nullable Executor handlerExecutor) {
        this.handlerExecutor = handlerExecutor;
        return this;
    }

    @Override
    public PeerConfig.Builder ioThreads(int ioThreads) {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 0)");
        }
        this.ioThreads = ioThreads;
        return this;
    }

    @Override
    public PeerConfig build() {
        return new PeerConfig(this);
    }

    /** Every setting is an immutable value, so a shallow copy is a full one. */
    DefaultPeerConfigBuilder copy() {
        try {
            return (DefaultPeerConfigBuilder) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
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
