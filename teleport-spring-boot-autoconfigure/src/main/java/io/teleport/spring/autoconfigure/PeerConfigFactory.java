package io.teleport.spring.autoconfigure;

import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.limits.Limits;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import io.teleport.transport.TransportType;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.thread.Threading;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** Builds the {@link PeerConfig} from {@link TeleportProperties}, the environment and the customizers. */
final class PeerConfigFactory {

    private static final String LIMITS = "teleport.limits.";

    private PeerConfigFactory() {
    }

    static PeerConfig create(TeleportProperties p, Environment environment, SslBundles sslBundles,
            List<TeleportPeerConfigCustomizer> customizers) {
        UnitlessDurations.check(environment, "teleport", TeleportProperties.class);
        PeerConfig.Builder b = PeerConfig.builder()
                .network(p.network())
                .transport(TransportType.of(p.transport()))
                .listenAddress(blankToNull(p.server().listenAddress()))
                .reusePort(p.server().reusePort())
                .defaultBodyCodec(p.defaultBodyCodec())
                .messageLogFormat(p.messageLogFormat())
                .printBody(p.printBody())
                .countTime(p.countTime())
                .slowCometDuration(p.slowCometDuration())
                .includeErrorMessage(p.error().includeMessage() == TeleportProperties.IncludeMessage.ALWAYS)
                .readLimit((int) p.readLimit().toBytes())
                .noDelay(p.socket().noDelay())
                .keepAlive(p.socket().keepAlive())
                .dialTimeout(p.dialTimeout())
                .readIdleTimeout(p.readIdleTimeout())
                .writeTimeout(p.writeTimeout())
                .pullTimeout(p.pullTimeout())
                .shutdownTimeout(p.shutdownTimeout())
                .ioThreads(p.ioThreads())
                .localIp(p.localIp())
                .handlerExecution(execution(p, environment))
                .handlerThreads(p.handler().threads())
                .handlerQueueCapacity(p.handler().queueCapacity())
                .asyncHandlerTimeout(p.handler().asyncTimeout())
                .redialTimes(p.redial().times())
                .redialInterval(p.redial().interval())
                .redialMaxInterval(p.redial().maxInterval())
                .limits(limits(p.limits()));
        if (p.socket().receiveBufferSize() != null) {
            b.receiveBufferSize((int) p.socket().receiveBufferSize().toBytes());
        }
        if (p.socket().sendBufferSize() != null) {
            b.sendBufferSize((int) p.socket().sendBufferSize().toBytes());
        }
        // An empty name is how TLS is left off (${BUNDLE:}), or switched off over a file's (a test slice).
        if (p.ssl().bundle() != null && !p.ssl().bundle().isBlank()) {
            SslBundleTls.apply(b, p.ssl(), sslBundles);
        }
        customizers.forEach(c -> c.customize(b));
        return b.build();
    }

    /**
     * The core {@link Limits} of {@code teleport.limits.*}. Each value goes through the core builder's
     * own check, so that Spring accepts exactly what the core does; a value the core refuses fails
     * with its property key in front of the core's message. Empty values keep the core's default.
     */
    static Limits limits(TeleportProperties.Limits p) {
        Limits.Builder b = Limits.builder();
        set("max-inflight-per-session", p.maxInflightPerSession(), b::maxInflightPerSession);
        set("max-inflight-bytes-per-session", p.maxInflightBytesPerSession(),
                size -> b.maxInflightBytesPerSession(size.toBytes()));
        set("max-inbound-bytes", p.maxInboundBytes(), size -> b.maxInboundBytes(size.toBytes()));
        set("max-queue-wait", p.maxQueueWait(), b::maxQueueWait);
        set("max-concurrent-handlers", p.maxConcurrentHandlers(), b::maxConcurrentHandlers);
        waterMarks(b, p.writeBufferLowWaterMark(), p.writeBufferHighWaterMark());
        set("max-outbound-bytes-per-session", p.maxOutboundBytesPerSession(),
                size -> b.maxOutboundBytesPerSession(size.toBytes()));
        set("max-outbound-bytes", p.maxOutboundBytes(), size -> b.maxOutboundBytes(size.toBytes()));
        setInt("max-uri-bytes", p.maxUriBytes(), b::maxUriBytes);
        setInt("max-meta-bytes", p.maxMetaBytes(), b::maxMetaBytes);
        set("max-meta-pairs", p.maxMetaPairs(), b::maxMetaPairs);
        setInt("max-unpacked-bytes", p.maxUnpackedBytes(), b::maxUnpackedBytes);
        set("frame-read-timeout", p.frameReadTimeout(), b::frameReadTimeout);
        set("handshake-timeout", p.handshakeTimeout(), b::handshakeTimeout);
        set("write-stall-timeout", p.writeStallTimeout(), b::writeStallTimeout);
        set("max-connections", p.maxConnections(), b::maxConnections);
        set("max-connections-per-address", p.maxConnectionsPerAddress(), b::maxConnectionsPerAddress);
        set("max-pending-pulls-per-session", p.maxPendingPullsPerSession(), b::maxPendingPullsPerSession);
        set("max-pending-pulls", p.maxPendingPulls(), b::maxPendingPulls);
        set("log-value-limit", p.logValueLimit(), b::logValueLimit);
        setInt("print-body-limit", p.printBodyLimit(), b::printBodyLimit);
        set("message-log-rate", p.messageLogRate(), b::messageLogRate);
        set("slow-call-log-rate", p.slowCallLogRate(), b::slowCallLogRate);
        return b.build();
    }

    /** The core sets both marks at once (the high one may not be below the low one). */
    private static void waterMarks(Limits.Builder b, DataSize low, DataSize high) {
        Limits defaults = Limits.defaults();
        int lowBytes = low == null ? defaults.writeBufferLowWaterMark() : toInt("write-buffer-low-water-mark", low);
        int highBytes = high == null ? defaults.writeBufferHighWaterMark() : toInt("write-buffer-high-water-mark", high);
        if (lowBytes >= 0 && highBytes >= 0 && highBytes < lowBytes) {
            // Name the mark that was changed: the other is the default it no longer fits (both have defaults).
            boolean lowChanged = highBytes == defaults.writeBufferHighWaterMark()
                    && lowBytes != defaults.writeBufferLowWaterMark();
            String key = lowChanged ? "write-buffer-low-water-mark" : "write-buffer-high-water-mark";
            throw badLimit(key, "the low water mark (" + PropertyChecks.written(DataSize.ofBytes(lowBytes))
                    + ") is above the high water mark (" + PropertyChecks.written(DataSize.ofBytes(highBytes)) + ")",
                    null);
        }
        // The core checks the low mark alone first; any other refusal is about the high one.
        String key = lowBytes < 0 ? "write-buffer-low-water-mark" : "write-buffer-high-water-mark";
        set(key, highBytes, h -> b.writeBufferWaterMarks(lowBytes, h));
    }

    private static <T> void set(String key, T value, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            // Core names its own parameter ("maxQueueWait: PT-1S ..."); the user wrote the key, and -1s.
            String problem = String.valueOf(e.getMessage()).replaceFirst("^\\w+: ", "");
            if (value instanceof Duration) {
                problem = problem.replace(value.toString(), PropertyChecks.written((Duration) value));
            }
            throw badLimit(key, problem, e);
        }
    }

    private static TeleportConfigurationException badLimit(String key, String problem, @Nullable Throwable cause) {
        return new TeleportConfigurationException(LIMITS + key, problem, "Set " + LIMITS + key
                + " to a value the limit allows, or remove it for the default.", cause);
    }

    private static void setInt(String key, DataSize size, IntConsumer setter) {
        if (size != null) {
            int bytes = toInt(key, size);
            set(key, bytes, setter::accept);
        }
    }

    private static int toInt(String key, DataSize size) {
        long bytes = size.toBytes();
        if (bytes < Integer.MIN_VALUE || bytes > Integer.MAX_VALUE) {
            throw badLimit(key, PropertyChecks.written(size) + " (expected: below 2GB)", null);
        }
        return (int) bytes;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Unless chosen explicitly, spring.threads.virtual.enabled puts handlers on virtual threads. */
    private static HandlerExecution execution(TeleportProperties p, Environment environment) {
        HandlerExecution configured = p.handler().execution();
        if (configured == null) {
            return Threading.VIRTUAL.isActive(environment) ? HandlerExecution.VIRTUAL : HandlerExecution.POOL;
        }
        return configured;
    }
}
