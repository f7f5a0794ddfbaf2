package io.teleport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.teleport.proto.Proto;

import java.util.concurrent.CompletableFuture;

/** Builds a connection's pipeline and its session. Not part of the API. */
public final class Pipelines {

    private Pipelines() {
    }

    /**
     * Installs the protocol and session handlers on {@code channel} and returns its session.
     *
     * @param dialed whether this side dialed, which decides the default session id
     * @param active completed with the session once it is in the hub, or {@code null}
     */
    public static DefaultSession install(PeerContext peer, Channel channel, Proto proto, boolean dialed,
            CompletableFuture<DefaultSession> active) {
        Proto p = proto == null ? peer.defaultProto : proto;
        DefaultSession session = new DefaultSession(peer, channel, dialed);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast("teleport-decoder", new PacketDecoder(p, peer.protoContext));
        pipeline.addLast("teleport-encoder", new PacketEncoder(p, peer.protoContext));
        pipeline.addLast("teleport-session", new SessionHandler(session, active));
        return session;
    }

    /** Puts a session whose channel was already active when installed into the hub. */
    public static void activate(DefaultSession session) {
        session.onActive();
    }
}
