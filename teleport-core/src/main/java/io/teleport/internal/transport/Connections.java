package io.teleport.internal.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.teleport.config.PeerConfig;
import io.teleport.internal.dispatch.HandlerModes;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.Dialer;
import io.teleport.internal.session.PeerContext;
import io.teleport.message.RerrorException;
import io.teleport.proto.Proto;
import io.teleport.transport.Addresses;
import io.teleport.transport.Network;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/** Opens connections for a peer: listening and dialing, with the configured socket options. Not part of the API. */
public final class Connections {

    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private Connections() {
    }

    /** Binds a listener; accepted connections get sessions with {@code proto} (the default when null). */
    public static ChannelFuture listen(PeerContext peer, Network network, SocketAddress local, @Nullable Proto proto) {
        peer.used = true;
        PeerConfig config = peer.config;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(peer.group)
                .channel(peer.transport.serverChannel(network))
                .handler(peer.acceptGate)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Pipelines.install(peer, ch, proto, new DefaultSession(peer, ch, null, proto), null, null);
                        log.trace("accept session(network:{}, addr:{})", network.goName(), ch.remoteAddress());
                    }
                });
        if (network.isTcp()) {
            bootstrap.childOption(ChannelOption.TCP_NODELAY, config.noDelay())
                    .childOption(ChannelOption.SO_KEEPALIVE, config.keepAlive());
        }
        // Socket buffers are for sockets: the local network has none, and Netty would warn of the option.
        if (config.receiveBufferSize() > 0 && network != Network.LOCAL) {
            bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferSize())
                    .childOption(ChannelOption.SO_RCVBUF, config.receiveBufferSize());
        }
        if (config.sendBufferSize() > 0 && network != Network.LOCAL) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, config.sendBufferSize());
        }
        if (config.reusePort() && network.isTcp()) {
            bootstrap.option(peer.transport.reusePortOption(), true);
        }
        if (network == Network.UNIX) {
            UnixSocketFiles.claim(local);
        }
        return bootstrap.bind(local);
    }

    /**
     * The rest of the listen line after the address: whether it speaks TLS, where handlers run (as in
     * effect), and a warning when the port may be shared: with SO_REUSEPORT another process (a second
     * instance started by mistake as well as a restart's new one) binds it too, and takes some of its new
     * connections, without an error on either side.
     */
    public static String listening(PeerContext peer, Network network) {
        PeerConfig config = peer.config;
        return (peer.tls.server() != null ? ", tls" : "") + ", handlers: " + HandlerModes.describe(peer.executor, peer.inline,
                config.handlerExecutor() == null, config.handlerThreads(), peer.limits.maxConcurrentHandlers()) + ")"
                + (config.reusePort() && network.isTcp()
                ? "; reuse-port: another process may listen on this port too, and take some of its new connections" : "");
    }

    /**
     * Dials {@code address}. The future completes once the session is ready (TLS done, dial hooks
     * passed, in the hub) and fails with a {@link RerrorException}: 105 when the connection cannot
     * be made, or the error a dial hook returned.
     *
     * @param proto the connection's protocol, or {@code null} for the peer's default
     * @param session the session to attach the new connection to (a redial), or {@code null} for a
     *     new one
     * @param attributes a new session's attributes from its start, before the dial hooks run
     */
    public static CompletableFuture<DefaultSession> dial(PeerContext peer, Network network, String address,
            @Nullable Proto proto, @Nullable DefaultSession session, Map<String, ?> attributes) {
        peer.used = true;
        if (peer.inIoThread() || Addresses.needsLookup(network, address)) {
            // Looking a host name up blocks: never on an I/O thread, and not on the caller's, whose dial
            // is asynchronous (an application's async call must not wait seconds for a slow name service).
            CompletableFuture<DefaultSession> dialed = new CompletableFuture<>();
            try {
                peer.lookupExecutor().execute(() -> {
                    try {
                        connect(peer, network, address, proto, session, attributes).whenComplete((s, e) -> {
                            if (e == null) {
                                dialed.complete(s);
                            } else {
                                dialed.completeExceptionally(e);
                            }
                        });
                    } catch (RuntimeException e) {
                        // A resolver or bootstrap failure other than a bad address: the dial ends, saying so.
                        dialed.completeExceptionally(Dialer.failed(address, e));
                    } catch (Error e) {
                        // Not a dial failure (out of memory): the dial still ends, and the error goes on.
                        dialed.completeExceptionally(e);
                        throw e;
                    }
                });
            } catch (RejectedExecutionException e) {
                dialed.completeExceptionally(Dialer.failed(address, e));
            }
            return dialed;
        }
        return connect(peer, network, address, proto, session, attributes);
    }

    /** Resolves the address here, then connects. */
    private static CompletableFuture<DefaultSession> connect(PeerContext peer, Network network, String address,
            @Nullable Proto proto, @Nullable DefaultSession session, Map<String, ?> attributes) {
        CompletableFuture<DefaultSession> ready = new CompletableFuture<>();
        SocketAddress remote;
        try {
            remote = peer.resolver.apply(network, address);
        } catch (IllegalArgumentException e) {
            ready.completeExceptionally(Dialer.failed(address, e));
            return ready;
        }
        PeerConfig config = peer.config;
        Bootstrap bootstrap = new Bootstrap()
                .group(peer.group)
                .channel(peer.transport.clientChannel(network))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.dialTimeout().toMillis()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        DefaultSession s = session;
                        if (s == null) {
                            s = new DefaultSession(peer, ch, address, proto);
                            if (!attributes.isEmpty()) {
                                s.attributes().putAll(attributes);
                            }
                        }
                        Pipelines.install(peer, ch, proto, s, ready, remote);
                    }
                });
        if (network.isTcp()) {
            bootstrap.option(ChannelOption.TCP_NODELAY, config.noDelay())
                    .option(ChannelOption.SO_KEEPALIVE, config.keepAlive());
            if (config.localIp() != null) {
                // A literal, checked by PeerConfig: no name lookup here.
                bootstrap.localAddress(new InetSocketAddress(config.localIp(), 0));
            }
        }
        if (config.receiveBufferSize() > 0 && network != Network.LOCAL) {
            bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferSize());
        }
        if (config.sendBufferSize() > 0 && network != Network.LOCAL) {
            bootstrap.option(ChannelOption.SO_SNDBUF, config.sendBufferSize());
        }
        peer.dials.track(ready, address);
        bootstrap.connect(remote).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ready.completeExceptionally(Dialer.failed(address, f.cause()));
            }
        });
        return ready;
    }

}
