package io.teleport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.teleport.codec.Codecs;
import io.teleport.internal.DefaultSession;
import io.teleport.internal.PeerContext;
import io.teleport.internal.Pipelines;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.router.PullRouter;
import io.teleport.router.PushRouter;
import io.teleport.session.Session;
import io.teleport.transport.Network;
import io.teleport.transport.Transport;
import io.teleport.xfer.XferFilters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * <p>Register routes, codecs and filters before listening or dialing. Thread-safe.
 */
public final class Peer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Peer.class);

    private final PeerConfig config;
    private final Codecs codecs;
    private final XferFilters xferFilters;
    private final PullRouter pullRouter = new PullRouter();
    private final PushRouter pushRouter = new PushRouter();
    private final Network network;
    private final PeerContext context;
    private final ChannelGroup listeners = new DefaultChannelGroup("teleport-listeners", GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A peer with the built-in codecs and filters. */
    public Peer(PeerConfig config) {
        this(config, Codecs.defaults(), XferFilters.defaults(), FastProto.INSTANCE);
    }

    /**
     * A peer with the caller's registries and default protocol.
     *
     * @throws IllegalArgumentException for an unknown network or default codec
     */
    public Peer(PeerConfig config, Codecs codecs, XferFilters xferFilters, Proto defaultProto) {
        this.config = Objects.requireNonNull(config, "config");
        this.codecs = Objects.requireNonNull(codecs, "codecs");
        this.xferFilters = Objects.requireNonNull(xferFilters, "xferFilters");
        this.network = Network.of(config.network());
        this.context = new PeerContext(config, codecs, xferFilters, pullRouter, pushRouter,
                Objects.requireNonNull(defaultProto, "defaultProto"), Transport.detect());
    }

    /** The configuration. */
    public PeerConfig config() {
        return config;
    }

    /** The pull routes. */
    public PullRouter pullRouter() {
        return pullRouter;
    }

    /** The push routes. */
    public PushRouter pushRouter() {
        return pushRouter;
    }

    /** The body codecs; register more before connecting. */
    public Codecs codecs() {
        return codecs;
    }

    /** The transfer filters; register more before connecting. */
    public XferFilters xferFilters() {
        return xferFilters;
    }

    /** The network in use. */
    public Network network() {
        return network;
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
    public SocketAddress listen(String address, Proto proto) {
        ensureOpen();
        SocketAddress local = context.transport().resolve(network, address);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(context.group())
                .channel(context.transport().serverChannel(network))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Pipelines.install(context, ch, proto, false, null);
                        log.trace("accept session(network:{}, addr:{})", network.goName(), ch.remoteAddress());
                    }
                });
        applySocketOptions(bootstrap);
        ChannelFuture bound = bootstrap.bind(local).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("listen " + network.goName() + " " + address + ": " + bound.cause().getMessage(),
                    bound.cause());
        }
        listeners.add(bound.channel());
        log.info("listen ok (network:{}, addr:{})", network.goName(), bound.channel().localAddress());
        return bound.channel().localAddress();
    }

    /**
     * Dials {@code address} with the default protocol and waits for the session.
     *
     * @throws RerrorException with code 105 when the connection cannot be made
     */
    public Session dial(String address) {
        return dial(address, null);
    }

    /** Dials with a protocol of the caller's (the default when {@code null}) and waits. */
    public Session dial(String address, Proto proto) {
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

    /** Dials without waiting; fails with a {@link RerrorException} of code 105. */
    public CompletableFuture<Session> dialAsync(String address, Proto proto) {
        ensureOpen();
        CompletableFuture<Session> result = new CompletableFuture<>();
        SocketAddress remote;
        try {
            remote = context.transport().resolve(network, address);
        } catch (IllegalArgumentException e) {
            result.completeExceptionally(dialFailed(address, e));
            return result;
        }
        CompletableFuture<DefaultSession> active = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(context.group())
                .channel(context.transport().clientChannel(network))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.dialTimeout().toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Pipelines.install(context, ch, proto, true, active);
                    }
                });
        if (network.isTcp()) {
            bootstrap.option(ChannelOption.TCP_NODELAY, config.noDelay())
                    .option(ChannelOption.SO_KEEPALIVE, config.keepAlive());
        }
        if (config.receiveBufferSize() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferSize());
        }
        if (config.sendBufferSize() > 0) {
            bootstrap.option(ChannelOption.SO_SNDBUF, config.sendBufferSize());
        }
        bootstrap.connect(remote).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(dialFailed(address, f.cause()));
            }
        });
        active.thenAccept(session -> {
            log.info("dial ok (network:{}, addr:{}, id:{})", network.goName(), address, session.id());
            result.complete(session);
        });
        return result;
    }

    private static RerrorException dialFailed(String address, Throwable cause) {
        return new RerrorException(new Rerror(Rerror.CODE_DIAL_FAILED, "Dial Failed",
                "dial " + address + ": " + cause.getMessage()), cause);
    }

    /**
     * Serves a channel that is already connected and registered with an event loop, such as one
     * accepted by another server: installs this peer's protocol handlers and returns its session.
     */
    public Session serve(Channel channel, Proto proto) {
        ensureOpen();
        Objects.requireNonNull(channel, "channel");
        if (!channel.isActive()) {
            throw new IllegalArgumentException("channel: not connected");
        }
        CompletableFuture<DefaultSession> installed = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            DefaultSession session = Pipelines.install(context, channel, proto, false, null);
            Pipelines.activate(session);
            installed.complete(session);
        });
        return installed.join();
    }

    private void applySocketOptions(ServerBootstrap bootstrap) {
        if (network.isTcp()) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, config.noDelay())
                    .childOption(ChannelOption.SO_KEEPALIVE, config.keepAlive());
        }
        if (config.receiveBufferSize() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferSize())
                    .childOption(ChannelOption.SO_RCVBUF, config.receiveBufferSize());
        }
        if (config.sendBufferSize() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, config.sendBufferSize());
        }
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

    /** The addresses this peer listens on. */
    public Collection<SocketAddress> listenAddresses() {
        return listeners.stream().map(Channel::localAddress).toList();
    }

    /**
     * Closes the peer: stops listening, closes every session (their waiting pulls end with 102) and
     * stops its threads. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listeners.close().awaitUninterruptibly();
        CompletableFuture<?>[] closing = context.hub().snapshot().stream()
                .map(Session::close).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closing).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("sessions did not all close in time: {}", e.toString());
        }
        context.shutdown(5_000);
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
