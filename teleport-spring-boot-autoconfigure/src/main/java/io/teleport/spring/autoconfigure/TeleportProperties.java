package io.teleport.spring.autoconfigure;

import io.teleport.config.HandlerExecution;
import io.teleport.config.MessageLogFormat;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.spring.diagnostics.TeleportConfigurationException;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Configuration of the Teleport peer, under {@code teleport}.
 *
 * @param enabled whether a peer runs: unset, when it listens or has remotes; true, also without either
 *     (an application that dials by its own code, through the Peer bean); false, never
 * @param network the network: tcp, tcp4, tcp6, unix, or local (in-JVM, for tests)
 * @param transport the I/O transport: auto (epoll on Linux, kqueue on macOS, else NIO), nio, epoll,
 *     kqueue or io-uring (Linux 5.9+, only when named); a native one that cannot load fails start-up
 * @param defaultBodyCodec codec name of requests that choose none: json, protobuf or string
 * @param printBody whether message logs include bodies
 * @param countTime whether each call's cost is measured and logged
 * @param slowCometDuration calls at least this slow (with count-time) log at WARN as an alarm; 0 never
 * @param readLimit the largest frame read or written; checked on the length prefix, before the frame
 *     is buffered
 * @param dialTimeout how long a dial may take
 * @param readIdleTimeout a session receiving no complete frame for this long is closed; 0 never
 * @param writeTimeout a write not done within this long closes the session; 0 never
 * @param pullTimeout how long a pull waits for its reply unless the call sets its own timeout
 * @param shutdownTimeout how long a graceful shutdown may wait for handlers and pulls in flight
 *     (and never longer than spring.lifecycle.timeout-per-shutdown-phase)
 * @param ioThreads the number of I/O threads; 0 for one per core (twice the cores when handlers run inline)
 * @param localIp the local IP that dials go out from (Teleport's LocalIP); unset for the OS's choice
 * @param socket socket options
 * @param handler where handlers run
 * @param limits what a remote peer may make this peer spend: memory, handler slots, time and log bytes
 * @param server the listening side
 * @param redial redialing of dialed sessions whose connection broke (and of remotes that connect eagerly)
 * @param heartbeat heartbeats
 * @param auth token authentication of sessions
 * @param ssl TLS from a Spring Boot SSL bundle
 * @param client the default remote peer, behind the SessionTemplate bean
 * @param clients more remote peers by name, behind SessionTemplates
 * @param discovery service registration and discovery through Spring Cloud, when it is on the class path
 * @param error what the caller of a failed handler is told
 * @param messageLogFormat the per-message log (logger io.teleport.message): key-value (one line per
 *     message at DEBUG) or multi-line (Go Teleport's lines at INFO); slow calls log at WARN in both
 * @param protocol the wire protocol of the whole peer: teleport-v3 (Go Teleport v3's, the default),
 *     erpc-v6 (Go erpc v6's raw protocol), or auto (listening side only: each accepted connection speaks
 *     the protocol of its first frame; remotes then dial with teleport-v3 unless they name theirs)
 */
@ConfigurationProperties("teleport")
public record TeleportProperties(
        Boolean enabled,
        @DefaultValue("tcp") String network,
        @DefaultValue("auto") String transport,
        @DefaultValue("json") String defaultBodyCodec,
        boolean printBody,
        boolean countTime,
        @DefaultValue("0s") Duration slowCometDuration,
        @DefaultValue("16MB") DataSize readLimit,
        @DefaultValue("10s") Duration dialTimeout,
        @DefaultValue("0s") Duration readIdleTimeout,
        @DefaultValue("0s") Duration writeTimeout,
        @DefaultValue("30s") Duration pullTimeout,
        @DefaultValue("15s") Duration shutdownTimeout,
        int ioThreads,
        String localIp,
        @DefaultValue Socket socket,
        @DefaultValue Handler handler,
        @DefaultValue Limits limits,
        @DefaultValue Server server,
        @DefaultValue Redial redial,
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue Auth auth,
        @DefaultValue Ssl ssl,
        @DefaultValue Client client,
        Map<String, Client> clients,
        @DefaultValue Discovery discovery,
        @DefaultValue ErrorReplies error,
        @DefaultValue("key-value") MessageLogFormat messageLogFormat,
        @DefaultValue("teleport-v3") Protocol protocol) {

    /** The name {@code teleport.client} goes by in logs, health and metrics; no named remote may take it. */
    public static final String DEFAULT_REMOTE = "default";

    /** Checks every value, naming the key of a bad one. */
    public TeleportProperties {
        NetworkProperties.check(network, transport, localIp);
        PropertyChecks.sizeWithin(readLimit, 24, "teleport.read-limit");
        PropertyChecks.positive(dialTimeout, "teleport.dial-timeout");
        PropertyChecks.positive(pullTimeout, "teleport.pull-timeout");
        PropertyChecks.notNegative(slowCometDuration, "teleport.slow-comet-duration");
        PropertyChecks.notNegative(readIdleTimeout, "teleport.read-idle-timeout");
        PropertyChecks.notNegative(writeTimeout, "teleport.write-timeout");
        PropertyChecks.notNegative(shutdownTimeout, "teleport.shutdown-timeout");
        PropertyChecks.atLeast(ioThreads, 0, "teleport.io-threads");
        if (limits != null) {
            // Through the core's own checks, so that a bad limit fails binding with its key named.
            PeerConfigFactory.limits(limits);
        }
        clients = clients == null ? Map.of() : Map.copyOf(clients);
        if (clients.containsKey(DEFAULT_REMOTE)) {
            // Logs, health and meters name teleport.client 'default': a second 'default' would hide it.
            throw new TeleportConfigurationException("teleport.clients." + DEFAULT_REMOTE, "'" + DEFAULT_REMOTE
                    + "' is the name of teleport.client in logs, health and metrics",
                    "Give this remote another name, or configure it as teleport.client.", null);
        }
        AddressProperties.check(network, server, client, clients);
        if (client != null) {
            client.checkAttempts("teleport.client");
        }
        clients.forEach((name, named) -> named.checkAttempts("teleport.clients." + name));
        if (protocol == Protocol.AUTO && (server == null || server.listenAddress() == null
                || server.listenAddress().isBlank())) {
            throw new TeleportConfigurationException("teleport.protocol", "auto chooses the protocol of each "
                    + "accepted connection from its first frame, and this application does not listen",
                    "Set teleport.server.listen-address, or name the protocol: teleport-v3 or erpc-v6.", null);
        }
    }

    /**
     * Socket options.
     *
     * @param receiveBufferSize SO_RCVBUF; unset for the OS default
     * @param sendBufferSize SO_SNDBUF; unset for the OS default
     * @param noDelay TCP_NODELAY, on as in Go
     * @param keepAlive SO_KEEPALIVE
     */
    public record Socket(DataSize receiveBufferSize, DataSize sendBufferSize,
            @DefaultValue("true") boolean noDelay, @DefaultValue("true") boolean keepAlive) {

        /** Checks the buffer sizes. */
        public Socket {
            PropertyChecks.sizeWithin(receiveBufferSize, 1, "teleport.socket.receive-buffer-size");
            PropertyChecks.sizeWithin(sendBufferSize, 1, "teleport.socket.send-buffer-size");
        }
    }

    /**
     * Where handlers run.
     *
     * @param execution pool (bounded platform threads), virtual (Java 21+) or inline (on the I/O
     *     thread, for handlers that never block); when unset, virtual if spring.threads.virtual.enabled
     *     is true and pool otherwise
     * @param threads the most pool threads (and a quarter more kept for sessions running few handlers)
     * @param queueCapacity how many messages may wait for a pool thread, across all sessions, before
     *     pulls are refused with 503 and pushes dropped
     * @param asyncTimeout how long a pull handler may take to complete the CompletionStage it returned,
     *     after which the pull is answered 408 and its place in the session's in-flight count freed; 0
     *     for no bound
     */
    public record Handler(HandlerExecution execution, @DefaultValue("200") int threads,
            @DefaultValue("10000") int queueCapacity, @DefaultValue("60s") Duration asyncTimeout) {

        /** Checks the pool sizes and the timeout. */
        public Handler {
            PropertyChecks.atLeast(threads, 1, "teleport.handler.threads");
            PropertyChecks.atLeast(queueCapacity, 1, "teleport.handler.queue-capacity");
            PropertyChecks.notNegative(asyncTimeout, "teleport.handler.async-timeout");
        }
    }

    /**
     * What a remote peer may make this peer spend (see {@link io.teleport.limits.Limits}). Every bound is on
     * by default; a session over its share is first no longer read, and only what back-pressure cannot
     * stop is refused. A value left empty keeps the core's default.
     *
     * @param maxInflightPerSession pulls and pushes received on one session and not yet finished; at
     *     this many the session is no longer read until half of them are done
     * @param maxInflightBytesPerSession bytes of the messages counted by max-inflight-per-session,
     *     inflated sizes included; at this many the session is no longer read until half are released
     * @param maxInboundBytes bytes of inbound frames the whole peer holds at once (being received, or
     *     waiting for or in their handler); a connection whose next frame does not fit is not read until
     *     room is freed, and frames over 1MB may take only half; unset for a quarter of the maximum heap,
     *     at least 64MB
     * @param maxQueueWait the longest a pull may wait for a handler thread; one that waited longer is
     *     answered 503 instead of run late; 0 for no bound
     * @param maxConcurrentHandlers the most handlers running at once on virtual threads
     *     (handler.execution=virtual); beyond it pulls are answered 503
     * @param writeBufferLowWaterMark a connection becomes writable again once its outbound buffer drains
     *     below this
     * @param writeBufferHighWaterMark above this many queued outbound bytes a connection is not writable:
     *     it is no longer read, and Session.isWritable() is false
     * @param maxOutboundBytes outbound bytes all sessions over their high water mark may have queued
     *     together; past it such a session's replies close its connection and pulls and pushes to it
     *     fail with 104; unset for an eighth of the maximum heap, at least 32MB
     * @param maxOutboundBytesPerSession outbound bytes one session may have queued and not yet written;
     *     a pull or push past it fails at once with 104 (one frame of any size fits an empty buffer) and
     *     a broadcast skips the session
     * @param maxUriBytes the longest URI a frame may carry; a longer one closes the connection
     * @param maxMetaBytes the most metadata a frame may carry; more closes the connection
     * @param maxMetaPairs the most metadata pairs a frame may carry, counted before parsing (more closes
     *     the connection), and the most pairs of a URI's query a handler reads (more is answered 400)
     * @param maxUnpackedBytes the largest payload a transfer filter (gzip) may expand a frame into; past
     *     it the connection closes
     * @param frameReadTimeout how long a frame may take to arrive once its first bytes have, waits for
     *     room in max-inbound-bytes included; past it the connection closes; 0 for no bound
     * @param handshakeTimeout an accepted connection on which no frame was received and nothing was sent
     *     within this long is closed if its TLS handshake has not finished, or once half of max-connections
     *     or more are open (a silent one may be a client waiting for pushes); once all are open, one that
     *     sent not a byte for a tenth of this (at least 1s) is; 0 for no bound
     * @param writeStallTimeout a connection over its write high water mark whose reader takes none of
     *     its bytes for this long is closed; reading slowly is not stalling; 0 for no bound
     * @param maxConnections accepted connections open at once, over all listeners; at this many the
     *     listeners stop accepting (new connections wait in the kernel's backlog) until one closes;
     *     unset for one per 64KB of the maximum heap, at least 1024
     * @param maxConnectionsPerAddress accepted connections open at once from one IP address; past it a
     *     new one from there is closed at once; 0 (the default) for no such bound, since behind a load
     *     balancer or a NAT clients may share one address
     * @param maxPendingPullsPerSession this side's pulls on one session awaiting replies; one more fails at
     *     once with 104, not sent, so that a peer that never answers cannot make this side hold them all
     * @param maxPendingPulls the same over all sessions, counting the pulls beyond the first of each;
     *     unset for one per 4KB of the maximum heap, at least 16384
     * @param logValueLimit the most characters of a remote-controlled value (URI, metadata, error
     *     detail) in a log line
     * @param printBodyLimit the most bytes of a body that print-body prints; its size is always printed
     * @param messageLogRate the most entries per second the per-message log writes; the rest are left
     *     out and counted in one WARN line per 10s; 0 for every entry
     * @param slowCallLogRate the most slow-call alarms (WARN lines, see slow-comet-duration) written per
     *     second; the rest are left out and counted in one WARN line per 10s; 0 for every alarm
     */
    public record Limits(
            @DefaultValue("128") int maxInflightPerSession,
            @DefaultValue("16MB") DataSize maxInflightBytesPerSession,
            DataSize maxInboundBytes,
            @DefaultValue("10s") Duration maxQueueWait,
            @DefaultValue("10000") int maxConcurrentHandlers,
            @DefaultValue("256KB") DataSize writeBufferLowWaterMark,
            @DefaultValue("1MB") DataSize writeBufferHighWaterMark,
            @DefaultValue("8MB") DataSize maxOutboundBytesPerSession,
            DataSize maxOutboundBytes,
            @DefaultValue("16KB") DataSize maxUriBytes,
            @DefaultValue("64KB") DataSize maxMetaBytes,
            @DefaultValue("256") int maxMetaPairs,
            @DefaultValue("4MB") DataSize maxUnpackedBytes,
            @DefaultValue("10s") Duration frameReadTimeout,
            @DefaultValue("10s") Duration handshakeTimeout,
            @DefaultValue("60s") Duration writeStallTimeout,
            Integer maxConnections,
            @DefaultValue("0") int maxConnectionsPerAddress,
            @DefaultValue("4096") int maxPendingPullsPerSession,
            Long maxPendingPulls,
            @DefaultValue("256") int logValueLimit,
            @DefaultValue("256B") DataSize printBodyLimit,
            @DefaultValue("1000") int messageLogRate,
            @DefaultValue("10") int slowCallLogRate) {
    }

    /**
     * The listening side: present when listen-address is set.
     *
     * @param listenAddress host:port (or a socket path for unix) to listen on, such as 0.0.0.0:9090
     * @param reusePort whether to bind with SO_REUSEPORT, so that a new process can take the port
     *     while this one drains (graceful restart)
     */
    public record Server(String listenAddress, boolean reusePort) {
    }

    /**
     * Redialing of dialed sessions whose connection broke; the interval and its growth also space a
     * remote's dials after one failed (calls in between fail at once with {@code 105}).
     *
     * @param times attempts: 0 never, -1 without limit (the core's default is 0, as in Go; a
     *     Spring application's remotes redial by default)
     * @param interval the wait before the first attempt; it doubles, with jitter
     * @param maxInterval the longest wait between attempts
     */
    public record Redial(@DefaultValue("-1") int times, @DefaultValue("100ms") Duration interval, @DefaultValue("10s") Duration maxInterval) {

        /** Checks the values. */
        public Redial {
            if (times < -1) {
                throw new TeleportConfigurationException("teleport.redial.times", times + " (expected: -1 or >= 0)",
                        "Set teleport.redial.times to -1 to redial without limit, 0 never to, or a number of attempts.",
                        null);
            }
            PropertyChecks.positive(interval, "teleport.redial.interval");
            PropertyChecks.positive(maxInterval, "teleport.redial.max-interval");
            if (maxInterval.compareTo(interval) < 0) {
                // Both have defaults: either may be the one set. The first wait is the one asked for.
                LoggerFactory.getLogger(TeleportProperties.class).warn("teleport.redial.max-interval ({}) is below "
                        + "teleport.redial.interval ({}): redial waits {} between attempts; raise max-interval for a "
                        + "backoff", PropertyChecks.written(maxInterval), PropertyChecks.written(interval),
                        PropertyChecks.written(interval));
                maxInterval = interval;
            }
        }
    }

    /**
     * Heartbeats compatible with tp-ext's /heart/beat.
     *
     * @param pingRate send a heartbeat to sessions not heard from this long, dropping the connections of those
     *     that do not answer (a dialed one redials); unset for none
     * @param pongRate answer heartbeats and drop the connections of sessions silent (both ways) for three
     *     rates (of sessions this side dialed, only those whose remote has pinged); unset for none
     */
    public record Heartbeat(Duration pingRate, Duration pongRate) {

        /** Checks the rates that are set. */
        public Heartbeat {
            if (pingRate != null) {
                PropertyChecks.positive(pingRate, "teleport.heartbeat.ping-rate", "for no heartbeat");
            }
            if (pongRate != null) {
                PropertyChecks.positive(pongRate, "teleport.heartbeat.pong-rate");
            }
        }
    }

    /**
     * Token authentication of sessions right after they connect.
     *
     * @param token the token this peer sends after every dial and redial; unset or empty for none (so
     *     that {@code ${TELEPORT_TOKEN:}} sends none when the variable is not defined)
     * @param acceptedTokens the tokens this peer accepts from the sessions it accepts; empty for no check
     * @param timeout how long an accepted session may take to authenticate
     * @param unverifiedReadLimit the largest frame an accepted session may send before its token is
     *     accepted, the token's own included; a larger one closes the connection (a peer that has proved
     *     nothing cannot make this one buffer frames up to {@code teleport.read-limit})
     */
    public record Auth(String token, List<String> acceptedTokens, @DefaultValue("5s") Duration timeout,
            @DefaultValue("64KB") DataSize unverifiedReadLimit) {

        /**
         * Checks the timeout and that no token is a placeholder left unresolved or an accepted token
         * blank, and normalises the list and an empty token (none).
         */
        public Auth {
            PropertyChecks.positive(timeout, "teleport.auth.timeout");
            PropertyChecks.sizeWithin(unverifiedReadLimit, 24, "teleport.auth.unverified-read-limit");
            PropertyChecks.resolved(token, "teleport.auth.token");
            token = token == null || token.isEmpty() ? null : token;
            acceptedTokens = acceptedTokens == null ? List.of() : List.copyOf(acceptedTokens);
            for (int i = 0; i < acceptedTokens.size(); i++) {
                PropertyChecks.resolved(acceptedTokens.get(i), "teleport.auth.accepted-tokens[" + i + "]");
                PropertyChecks.notBlankToken(acceptedTokens.get(i), "teleport.auth.accepted-tokens[" + i + "]");
            }
        }
    }

    /**
     * TLS from a Spring Boot SSL bundle (spring.ssl.bundle.*), for both roles unless {@code roles} says
     * one.
     *
     * @param bundle the bundle name; unset for plain TCP
     * @param clientAuth whether accepted sessions must present a certificate the bundle trusts: none,
     *     optional or require
     * @param roles where TLS is used: both (the sessions this peer accepts and those it dials), server
     *     (accepted ones only: a gateway with TLS to its clients and plain TCP to its backends) or client
     *     (dialed ones only)
     */
    public record Ssl(String bundle, @DefaultValue("none") ClientAuth clientAuth, @DefaultValue("both") SslRoles roles) {

        /** Refuses client authentication without TLS: it would start plain TCP, checking no one. */
        public Ssl {
            // Left empty (roles=) it binds null: the default, as for an unset key.
            roles = roles == null ? SslRoles.BOTH : roles;
            if (roles == SslRoles.CLIENT && clientAuth != null && clientAuth != ClientAuth.NONE) {
                throw new TeleportConfigurationException("teleport.ssl.client-auth", clientAuth.name().toLowerCase(
                        java.util.Locale.ROOT) + " asks accepted sessions for a certificate, and with teleport.ssl.roles"
                        + " client they have no TLS to ask it in", "Set teleport.ssl.roles to both or server, or leave"
                        + " teleport.ssl.client-auth at none.", null);
            }
            if (clientAuth != null && clientAuth != ClientAuth.NONE && (bundle == null || bundle.isBlank())) {
                throw new TeleportConfigurationException("teleport.ssl.client-auth", clientAuth.name().toLowerCase(
                        java.util.Locale.ROOT) + " asks accepted sessions for a certificate, and without "
                        + "teleport.ssl.bundle there is no TLS to ask it in", "Set teleport.ssl.bundle to a "
                        + "spring.ssl.bundle.* name, or leave teleport.ssl.client-auth at none.", null);
            }
        }
    }

    /**
     * Service registration and discovery through Spring Cloud Commons, when it is on the class path:
     * the listening peer registers with the application's service registry (ZooKeeper, Consul,
     * Eureka...), its Teleport port and protocol in the instance's metadata, and remotes named by
     * service-id follow their service's instances.
     *
     * @param register whether a listening peer registers its instance (with the registry's own
     *     registration, as its HTTP side would) once it listens, and deregisters it first on shutdown
     * @param deregisterDelay how long to wait, once deregistered, before the peer starts draining: the
     *     time clients take to see the instance gone and stop sending it new calls (longer than their
     *     refresh-interval); 0 to drain at once
     * @param refreshInterval how often the instances of the services that remotes name (service-id)
     *     are looked up, besides each change the registry announces
     */
    public record Discovery(@DefaultValue("true") boolean register, @DefaultValue("3s") Duration deregisterDelay,
            @DefaultValue("2s") Duration refreshInterval) {

        /** Checks the durations. */
        public Discovery {
            PropertyChecks.notNegative(deregisterDelay, "teleport.discovery.deregister-delay");
            PropertyChecks.positive(refreshInterval, "teleport.discovery.refresh-interval");
        }
    }

    /** Which sessions TLS is used on. */
    public enum SslRoles {
        /** Those this peer accepts and those it dials. */
        BOTH,
        /** Those this peer accepts; those it dials are plain TCP. */
        SERVER,
        /** Those this peer dials; those it accepts are plain TCP. */
        CLIENT;

        boolean server() {
            return this != CLIENT;
        }

        boolean client() {
            return this != SERVER;
        }
    }

    /** Client certificate policy of the listening side. */
    public enum ClientAuth {
        /** No client certificate is asked for. */
        NONE,
        /** A client certificate is asked for and checked when given. */
        OPTIONAL,
        /** A trusted client certificate is required (mutual TLS). */
        REQUIRE
    }

    /**
     * What the caller of a handler that failed unexpectedly is told, as server.error.* does for HTTP.
     * Errors the application chose (a Rerror returned or thrown, a @TeleportExceptionHandler's) are
     * always sent as they are.
     *
     * @param includeMessage whether the 500 of an unexpected exception carries its message as the
     *     detail: never (the code and "Internal Server Error" only) or always
     */
    public record ErrorReplies(@DefaultValue("never") IncludeMessage includeMessage) {
    }

    /** Whether an unexpected exception's message reaches the caller. */
    public enum IncludeMessage {
        /** Never: the message may name internals. */
        NEVER,
        /** Always, as the detail of the 500. */
        ALWAYS
    }

    /**
     * A remote peer.
     *
     * @param address host:port (or a socket path for unix) of the remote peer; or, instead, service-id
     * @param serviceId the service whose instances this remote is, found through Spring Cloud's
     *     DiscoveryClient (ZooKeeper, Consul, Eureka, Kubernetes, or spring.cloud.discovery.client.simple);
     *     each call goes to one instance, chosen by the TeleportLoadBalancer (round robin by default)
     * @param maxAttempts the most attempts of one call on a service's instances, the first included: a
     *     call that never reached a handler (dial failed, not written, refused with 503) is tried on
     *     another instance
     * @param idempotentPaths Ant-style patterns of paths (such as /stock/get or /query/**) whose pulls
     *     may run twice, so that they are tried again on another instance even when the connection broke
     *     after they were written
     * @param connect when to dial it: eager (at start-up, then again with the redial backoff until it
     *     connects) or lazy (on first use); unset: eager when the application has @PushController beans,
     *     or @PullController beans and no listen address (nothing reaches them until it dials), else lazy
     * @param pullTimeout how long pulls to this remote wait for their reply; unset for teleport.pull-timeout
     * @param bodyCodec the codec of bodies sent to this remote (json, protobuf, string, or a codec
     *     bean's name); unset for teleport.default-body-codec
     * @param protocol the wire protocol of this remote: teleport-v3 or erpc-v6 (auto is for listening
     *     only); unset for teleport.protocol
     * @param authToken the token sent to this remote after every dial and redial, in place of
     *     teleport.auth.token (for remotes that accept different tokens); unset for teleport.auth.token, empty
     *     for none (so that ${PARTNER_TOKEN:} with the variable undefined sends this remote no token, not the
     *     peer's)
     */
    public record Client(String address, String serviceId, @DefaultValue("3") int maxAttempts,
            List<String> idempotentPaths, Connect connect, Duration pullTimeout, String bodyCodec,
            Protocol protocol, String authToken) {

        /** Copies the list; the values are checked with their keys named (see {@link #checkAttempts}). */
        public Client {
            idempotentPaths = idempotentPaths == null ? List.of() : List.copyOf(idempotentPaths);
        }

        /**
         * Checks the values whose keys the record does not know ({@code prefix}.max-attempts,
         * {@code prefix}.pull-timeout, {@code prefix}.auth-token), whichever role the application has.
         */
        void checkAttempts(String prefix) {
            PropertyChecks.resolved(authToken, prefix + ".auth-token");
            for (int i = 0; i < idempotentPaths.size(); i++) {
                String pattern = idempotentPaths.get(i);
                if (pattern == null || !pattern.startsWith("/")) {
                    // Matched against paths, which all start with /: such a pattern never matches, and the
                    // retries it was meant for silently stop (new-user trial 14).
                    throw new TeleportConfigurationException(prefix + ".idempotent-paths[" + i + "]", pattern
                            + " (expected: a path pattern starting with /)", "Write it as /" + (pattern == null ? ""
                            : pattern) + ", as the paths it is matched against start.", null);
                }
            }
            if (pullTimeout != null) {
                PropertyChecks.positive(pullTimeout, prefix + ".pull-timeout");
            }
            if (maxAttempts < 1) {
                throw new TeleportConfigurationException(prefix + ".max-attempts", maxAttempts + " (expected: >= 1)",
                        "Set " + prefix + ".max-attempts to 1 for no retries, or more.", null);
            }
        }

        /** Whether the remote is a service's instances rather than one address. */
        public boolean discovered() {
            return serviceId != null && !serviceId.isBlank();
        }
    }

    /** A wire protocol, by the generation of Go peers that speaks it. */
    public enum Protocol {
        /** Go Teleport v3's {@code 'f'} protocol. */
        TELEPORT_V3,
        /** Go erpc v6's raw protocol. */
        ERPC_V6,
        /** Listening side only: each accepted connection speaks the protocol of the first frame it receives. */
        AUTO;

        /** The core protocol. */
        public Proto proto() {
            return switch (this) {
                case TELEPORT_V3 -> FastProto.INSTANCE;
                case ERPC_V6 -> ErpcRawProto.INSTANCE;
                case AUTO -> AutoProto.INSTANCE;
            };
        }
    }

    /** When a remote is dialed. */
    public enum Connect {
        /** At start-up, and again with the redial backoff until it connects. */
        EAGER,
        /** On first use. */
        LAZY
    }
}
