package io.teleport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.Timer;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.teleport.codec.Codecs;
import io.teleport.config.PeerConfig;
import io.teleport.internal.session.Broadcast;
import io.teleport.internal.session.PeerContext;
import io.teleport.internal.transport.Connections;
import io.teleport.internal.transport.Pipelines;
import io.teleport.limits.DurationSettings;
import io.teleport.limits.Limits;
import io.teleport.limits.PeerStats;
import io.teleport.message.RerrorException;
import io.teleport.plugin.Hook;
import io.teleport.plugin.Plugin;
import io.teleport.plugin.PluginChain;
import io.teleport.plugin.setup.PeerSetup;
import io.teleport.plugin.setup.PostNewPeer;
import io.teleport.plugin.setup.PreNewPeer;
import io.teleport.proto.AutoProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.router.ExceptionMapper;
import io.teleport.router.PullRouter;
import io.teleport.router.PushRouter;
import io.teleport.router.Route;
import io.teleport.session.CallOption;
import io.teleport.session.Session;
import io.teleport.transport.Network;
import io.teleport.transport.TlsContexts;
import io.teleport.transport.Transport;
import io.teleport.transport.TransportType;
import io.teleport.xfer.XferFilters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * One endpoint: it listens, dials, or both, and every connection it has is a {@link Session} that
 * can pull and push in either direction.
 *
 * <pre>{@code
 * Peer server = new Peer(PeerConfig.builder().listenAddress("127.0.0.1:9090").build());
 * server.pullRouter().group("group").register(new Home());
 * server.listen();
 *
 * Peer client = new Peer(PeerConfig.defaults());
 * Session session = client.dial("127.0.0.1:9090");
 * Map<?, ?> reply = session.pull("/group/home/test?peer_id=1", Map.of("a", 1), Map.class);
 * }</pre>
 *
 * <p>Codecs and filters come from the {@link PeerBuilder}; routes may be added at any time. Thread-safe.
 */
public final class Peer implements PeerSetup, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Peer.class);

    private final PeerConfig config;
    private final Codecs codecs;
    private final XferFilters xferFilters;
    private final PullRouter pullRouter = new PullRouter(this::postReg);
    private final PushRouter pushRouter = new PushRouter(this::postReg);
    private final Network network;
    private final PluginChain plugins;
    private final PeerContext context;
    private final ChannelGroup listeners = new DefaultChannelGroup("teleport-listeners", GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    /** A peer with the built-in codecs and filters and these plugins, in order. */
    public Peer(PeerConfig config, Plugin... plugins) {
        this(config, List.of(plugins), Codecs.defaults(), XferFilters.defaults(), FastProto.INSTANCE, null, List.of());
    }

    /** A builder for a peer with the caller's plugins, codecs, filters or default protocol. */
    public static PeerBuilder builder() {
        return new PeerBuilder();
    }

    /** See {@link PeerBuilder#build()}; the registries are copied and fixed here. */
    Peer(PeerConfig config, List<? extends Plugin> plugins, Codecs codecs, XferFilters xferFilters,
            Proto defaultProto, @Nullable Timer timer, List<ExceptionMapper> exceptionMappers) {
        this.plugins = PluginChain.of(plugins);
        PeerConfig.Builder adjusted = Objects.requireNonNull(config, "config").toBuilder();
        for (Plugin plugin : this.plugins.plugins()) {
            if (plugin instanceof PreNewPeer hook) {
                hook.preNewPeer(adjusted);
            }
        }
        this.config = adjusted.build();
        this.codecs = codecs.frozenCopy();
        this.xferFilters = xferFilters.frozenCopy();
        this.network = Network.of(this.config.network());
        this.context = new PeerContext(this.config, this.codecs, this.xferFilters, pullRouter, pushRouter, this.plugins,
                Objects.requireNonNull(defaultProto, "defaultProto"), transport(this.config), timer, exceptionMappers);
        this.context.dialer = (address, proto, session, attributes) -> Connections.dial(context, network, address, proto, session,
                attributes);
        log.info("transport {} (configured: {})", context.transport().type().configName(), this.config.transport().configName());
        try {
            for (Plugin plugin : this.plugins.plugins()) {
                if (plugin instanceof PostNewPeer hook) {
                    hook.postNewPeer(this);
                }
            }
        } catch (RuntimeException e) {
            context.shutdown(1000);
            throw e;
        }
    }

    /** The configured transport; {@code teleport.transport.nio=true} (a system property) still forces NIO. */
    private static Transport transport(PeerConfig config) {
        return config.transport() == TransportType.AUTO ? Transport.detect() : Transport.select(config.transport());
    }

    private void postReg(Route route) {
        plugins.run(Hook.POST_REG, route);
        route.plugins().run(Hook.POST_REG, route);
        if (!route.isRaw()) {
            codecs.prepare(route.bodyType());
        }
    }

    /** The configuration, after any {@code PreNewPeer} plugin changed it. */
    public PeerConfig config() {
        return config;
    }

    /** The peer's plugins, in order. */
    public List<Plugin> plugins() {
        return plugins.plugins();
    }

    /** The pull routes. */
    public PullRouter pullRouter() {
        return pullRouter;
    }

    /** The push routes. */
    public PushRouter pushRouter() {
        return pushRouter;
    }

    /** The body codecs, fixed once the peer is built: give more to {@link PeerBuilder#codec}. */
    public Codecs codecs() {
        return codecs;
    }

    /** The transfer filters, fixed once the peer is built: give more to {@link PeerBuilder#xferFilter}. */
    public XferFilters xferFilters() {
        return xferFilters;
    }

    /**
     * What this peer's {@link Limits} have done so far: sessions paused, messages refused or dropped
     * and why, inbound bytes held. A live view, for metrics.
     */
    public PeerStats stats() {
        return context.stats();
    }

    /** The network in use. */
    public Network network() {
        return network;
    }

    /** The TLS contexts of new connections, replaceable while the peer runs (renewed certificates). */
    public TlsContexts tls() {
        return context.tls;
    }

    /**
     * Listens on the configured {@link PeerConfig#listenAddress()} with the default protocol.
     *
     * @return the bound address (with the real port when the configured one was 0)
     */
    public SocketAddress listen() {
        if (config.listenAddress() == null) {
            throw new IllegalStateException("listenAddress is not set");
        }
        return listen(config.listenAddress(), null);
    }

    /**
     * Listens on {@code address}; accepted connections use {@code proto}, or the default when
     * {@code null}. Returns once bound.
     */
    public SocketAddress listen(String address, @Nullable Proto proto) {
        ensureOpen();
        SocketAddress local = context.transport().resolve(network, address);
        ChannelFuture bound = Connections.listen(context, network, local, proto).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("listen " + network.goName() + " " + address + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        listeners.add(bound.channel());
        log.info("listen ok (network:{}, addr:{}{}", network.goName(), bound.channel().localAddress(), Connections.listening(context, network));
        return bound.channel().localAddress();
    }

    /**
     * Dials {@code address} with the default protocol and waits for the session.
     *
     * @throws RerrorException with code 105 when the connection cannot be made, or the error of a
     *     {@code PostDial} plugin
     */
    public Session dial(String address) {
        return dial(address, null);
    }

    /**
     * Dials with a protocol of the caller's (the default when {@code null}) and waits; refused on the
     * peer's I/O threads, where the dial could never finish ({@link #dialAsync} does not wait).
     */
    public Session dial(String address, @Nullable Proto proto) {
        if (context.inIoThread()) {
            throw new IllegalStateException("a blocking dial of " + address + " on an I/O thread would never end "
                    + "(the dial needs that thread); use dialAsync, or run the handler off the I/O thread");
        }
        try {
            return dialAsync(address, proto).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RerrorException) {
                throw new RerrorException(((RerrorException) e.getCause()).rerror(), e.getCause());
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dialing " + address, e);
        }
    }

    /**
     * Dials without waiting, with {@code proto} (the default when {@code null}); fails with a
     * {@link RerrorException}. Refused for {@link AutoProto}: the dialing side speaks first.
     */
    public CompletableFuture<Session> dialAsync(String address, @Nullable Proto proto) {
        return dialAsync(address, proto, Map.of());
    }

    /**
     * {@link #dialAsync(String, Proto)} with {@code attributes} in the new session's
     * {@linkplain Session#attributes() attributes} from its start: the {@code PostDial} plugins see them,
     * and they stay through redials (per-connection credentials: {@link io.teleport.plugins.AuthPlugin#TOKEN}).
     */
    public CompletableFuture<Session> dialAsync(String address, @Nullable Proto proto, Map<String, ?> attributes) {
        Map<String, ?> initial = Map.copyOf(attributes);
        ensureOpen();
        if ((proto != null ? proto : context.defaultProto) instanceof AutoProto) {
            throw new IllegalArgumentException("dial " + address + ": protocol 'auto' is for accepting sides only;"
                    + " a dialing side speaks first and must name its protocol (FastProto or ErpcRawProto)");
        }
        return context.dialer.dial(address, proto, null, initial).thenApply(session -> {
            context.logs.dialOkLines.info(log, session.id(), "dial ok (network:{}, addr:{}, id:{})", network.goName(), address, session.id());
            return session;
        });
    }

    /**
     * Serves a channel that is already connected and registered with an event loop, such as one
     * accepted by another server: installs this peer's protocol handlers, with {@code proto} or the
     * default when {@code null}, and returns its session.
     */
    public Session serve(Channel channel, @Nullable Proto proto) {
        ensureOpen();
        return Pipelines.serve(context, channel, proto);
    }

    /** The live session with this id. */
    public Optional<Session> session(String id) {
        return Optional.ofNullable(context.hub().get(id));
    }

    /** Calls {@code action} for each live session until it returns false. */
    public void forEachSession(Predicate<Session> action) {
        context.hub().forEach(action);
    }

    /** A snapshot of the live sessions. */
    public Collection<Session> sessions() {
        return context.hub().snapshot();
    }

    /** The number of live sessions. */
    public int sessionCount() {
        return context.hub().count();
    }

    /**
     * Pushes one message to every live session {@code selector} accepts, as a broadcast: the body is
     * encoded once, and each I/O thread writes its own sessions' frames in one task. Sessions that
     * read too slowly (not {@linkplain Session#isWritable() writable}) are skipped and counted in
     * {@link PeerStats#broadcastSkipped()}, so one slow reader neither holds up the broadcast nor
     * makes this peer queue without bound. So are sessions it cannot frame for: under
     * {@link io.teleport.proto.AutoProto}, a connection that has received nothing yet. With push hooks
     * that may block, the handler pool hands the frames over: a push sent right after may arrive first.
     *
     * @param body the body, or {@code null} for none
     * @return completes with the number of sessions the push was handed to, once each has been
     *     handed it or skipped
     */
    public CompletableFuture<Integer> pushAll(String uri, @Nullable Object body, Predicate<Session> selector,
            CallOption... options) {
        return Broadcast.push(context, uri, body, selector, options);
    }

    /** The I/O transport the peer's sockets use, as chosen for its {@link PeerConfig#transport()}: never AUTO. */
    public TransportType transport() {
        return context.transport().type();
    }

    /** The addresses this peer listens on. */
    public Collection<SocketAddress> listenAddresses() {
        return listeners.stream().map(Channel::localAddress).toList();
    }

    /**
     * Closes gracefully within the configured {@link PeerConfig#shutdownTimeout()}; see
     * {@link #shutdown(Duration)}, also for a call on one of the peer's own threads.
     */
    @Override
    public void close() {
        shutdown(config.shutdownTimeout());
    }

    /**
     * Shuts down gracefully and waits until it is done: stops listening at once, answers new pulls
     * on every session with 503 and drops new pushes, lets handlers in flight finish and their
     * replies flush, waits for this side's pulls to be answered, then closes every session (the other side's
     * waiting pulls end with 102) and stops the threads: the drain within {@code timeout}, then up to about 3 s
     * more to cut off what it left (handlers, connections). Idempotent; a second call waits for the first.
     *
     * <p>Called on one of the peer's own threads (in a handler on its pool's threads, or a callback of
     * a pull's future that runs on a handler, I/O or timer thread of the peer), it starts the shutdown
     * and returns without waiting: the shutdown waits for that very thread, to end its handler and to
     * stop its threads. Handlers on virtual threads or an executor of the application's should call
     * {@link #closeAsync()} instead.
     */
    public void shutdown(Duration timeout) {
        if (context.inOwnThread()) {
            closeAsync(timeout);
            return;
        }
        try {
            closeAsync(timeout).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
    }

    /** {@link #closeAsync(Duration)} within the configured {@link PeerConfig#shutdownTimeout()}. */
    public CompletableFuture<Void> closeAsync() {
        return closeAsync(config.shutdownTimeout());
    }

    /**
     * Starts the graceful shutdown described at {@link #shutdown(Duration)} and returns at once.
     *
     * @return completes, on a thread of the shutdown's own, once the peer is shut down; the same
     *     future for every call
     */
    public CompletableFuture<Void> closeAsync(Duration timeout) {
        Duration within = DurationSettings.capped(Objects.requireNonNull(timeout, "timeout"));
        if (closed.compareAndSet(false, true)) {
            // From now on: the pulls that arrive while the listeners close are refused already.
            context.markClosing(within);
            // Waiting for handlers and event loops blocks: never on a caller's thread, which may be one of them.
            Thread shutdown = new Thread(() -> {
                try {
                    drainAndStop(within);
                    terminated.complete(null);
                } catch (Throwable t) {
                    terminated.completeExceptionally(t);
                }
            }, "teleport-shutdown");
            shutdown.setDaemon(true);
            shutdown.start();
        }
        return terminated;
    }

    private void drainAndStop(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        listeners.close().awaitUninterruptibly();
        context.awaitQueuedIo(1_000);
        context.drain.run(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        context.shutdown(1_000);
        if (context.used) {
            log.info("peer shut down (network:{})", network.goName());
        }
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("peer is closed");
        }
    }
}
