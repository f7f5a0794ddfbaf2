package io.teleport.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.teleport.internal.limits.AcceptGate;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.handler.timeout.WriteTimeoutHandler;
import io.teleport.config.PeerConfig;
import io.teleport.internal.limits.ReadGate;
import io.teleport.internal.session.DefaultSession;
import io.teleport.internal.session.PeerContext;
import io.teleport.internal.session.SenderEncoding;
import io.teleport.limits.Limits;
import io.teleport.proto.Proto;
import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Builds a connection's pipeline: TLS, flush consolidation, write timeout, frame decoder, read-idle
 * timeout (counting whole frames, as it sits after the decoder), session (which also frames outbound
 * packets, whose bodies the sending thread marshalled, see {@link SenderEncoding}); sets the write
 * water marks (one instance per peer: it is immutable) and the size estimator, and gives the decoder and the session handler one
 * {@link ReadGate}. Not part of the API.
 */
public final class Pipelines {

    private Pipelines() {
    }

    /**
     * Installs the handlers on {@code channel} for {@code session}.
     *
     * @param proto the connection's protocol, or {@code null} for the peer's default
     * @param ready completed with the session once it is ready, or {@code null}
     * @param dialed the address dialed, whose name TLS checks; {@code null} for an accepted connection
     */
    static void install(PeerContext peer, Channel channel, @Nullable Proto proto, DefaultSession session,
            @Nullable CompletableFuture<DefaultSession> ready, @Nullable SocketAddress dialed) {
        PeerConfig config = peer.config;
        Limits limits = peer.limits;
        Proto p = proto == null ? peer.defaultProto : proto;
        ChannelPipeline pipeline = channel.pipeline();
        channel.config().setMessageSizeEstimator(SenderEncoding.ESTIMATOR);
        channel.config().setWriteBufferWaterMark(peer.waterMark);
        // With the transport's reads per readiness (16 for sockets): a new allocator would bring 1.
        channel.config().setRecvByteBufAllocator(new BudgetReads(peer.budget)
                .maxMessagesPerRead(channel.metadata().defaultMaxMessagesPerRead()));
        ReadGate gate = new ReadGate(channel, peer.budget, peer.counters, limits, () -> session.pendingPulls() > 0,
                session::awaitsNestedReplies);
        SslContext ssl = session.dialed() ? peer.tls.client() : peer.tls.server();
        if (ssl != null) {
            SslHandler tls;
            if (dialed instanceof InetSocketAddress) {
                // The peer's name, for SNI and for checking it against the server's certificate.
                InetSocketAddress remote = (InetSocketAddress) dialed;
                tls = ssl.newHandler(channel.alloc(), remote.getHostString(), remote.getPort());
            } else {
                tls = ssl.newHandler(channel.alloc());
            }
            // Netty's own 10 s would otherwise decide: a dial's handshake is within the dial timeout, and
            // an accepted one within the handshake timeout, whose timer counts it (SessionHandler).
            if (session.dialed() && !config.dialTimeout().isZero()) {
                tls.setHandshakeTimeoutMillis(config.dialTimeout().toMillis());
            } else if (!session.dialed() && !limits.handshakeTimeout().isZero()) {
                tls.setHandshakeTimeoutMillis(0);
            }
            pipeline.addLast("teleport-tls-renegotiation", new TlsRenegotiationGuard(tls));
            pipeline.addLast("teleport-tls", tls);
        }
        // Replies written while a read is in progress (inline handlers) go out in one flush per read.
        pipeline.addLast("teleport-flush", new FlushConsolidationHandler(256, false));
        if (!config.writeTimeout().isZero()) {
            pipeline.addLast("teleport-write-timeout",
                    new WriteTimeoutHandler(config.writeTimeout().toNanos(), TimeUnit.NANOSECONDS));
        }
        PacketDecoder decoder = new PacketDecoder(p, peer.protoContext, session, gate,
                limits.frameReadTimeout().toNanos());
        pipeline.addLast("teleport-decoder", decoder);
        if (!config.readIdleTimeout().isZero()) {
            pipeline.addLast("teleport-read-timeout",
                    new ReadTimeoutHandler(config.readIdleTimeout().toNanos(), TimeUnit.NANOSECONDS));
        }
        pipeline.addLast("teleport-session", new SessionHandler(session, ready, gate, decoder, peer.protoContext));
        if (!session.dialed() && peer.acceptGate.strays.enabled() && AcceptGate.admitted(channel)) {
            SilentConnection.watch(channel, session, peer.acceptGate.strays);
            CrowdMember.join(channel, session, decoder, peer.acceptGate.crowds);
        }
    }

    /**
     * Installs the handlers on a channel that is already connected and registered, on its I/O thread
     * (waiting for it there when called from another), and admits its session as an accepted one.
     */
    public static DefaultSession serve(PeerContext peer, Channel channel, @Nullable Proto proto) {
        Objects.requireNonNull(channel, "channel");
        peer.used = true;
        if (!channel.isActive()) {
            throw new IllegalArgumentException("channel: not connected");
        }
        if (channel.eventLoop().inEventLoop()) {
            return serveHere(peer, channel, proto);
        }
        CompletableFuture<DefaultSession> installed = new CompletableFuture<>();
        channel.eventLoop().execute(() -> {
            try {
                installed.complete(serveHere(peer, channel, proto));
            } catch (RuntimeException e) {
                installed.completeExceptionally(e);
            }
        });
        try {
            return installed.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
    }

    private static DefaultSession serveHere(PeerContext peer, Channel channel, @Nullable Proto proto) {
        DefaultSession session = new DefaultSession(peer, channel, null, proto);
        install(peer, channel, proto, session, null, null);
        if (!channel.isActive()) {
            // Closed before the handlers were in place: their channelInactive never comes.
            session.disconnected(channel, false, true, null);
            throw new IllegalArgumentException("channel: closed while being served");
        }
        SessionHandler handler = channel.pipeline().get(SessionHandler.class);
        // Its channelActive came before the handlers: the handshake timer (which also ends a TLS
        // handshake that never finishes) is armed here instead.
        handler.armHandshakeTimer(channel);
        handler.activate(channel);
        return session;
    }
}
