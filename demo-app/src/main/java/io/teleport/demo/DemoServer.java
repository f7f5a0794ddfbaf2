package io.teleport.demo;

import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.RerrorException;
import io.teleport.codec.CodecException;
import io.teleport.router.PullContext;
import io.teleport.router.UnknownPullContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The seed's {@code server.go}: a peer listening with the {@code Home} controller and an unknown-pull handler. */
public final class DemoServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoServer.class);

    private final Peer peer;

    /** Creates the server peer; {@link #start()} listens. */
    public DemoServer(String listenAddress, Duration delay) {
        peer = new Peer(PeerConfig.builder()
                .listenAddress(listenAddress)
                .slowCometDuration(Duration.ofMillis(500))
                .printBody(true)
                .countTime(true)
                .build());
        peer.pullRouter().group("group").register(new Home(delay));
        peer.pullRouter().setUnknown(DemoServer::unknownPull);
    }

    /** Listens and returns the bound address. */
    public SocketAddress start() {
        return peer.listen();
    }

    static Object unknownPull(UnknownPullContext ctx) {
        UnknownArgs args;
        try {
            args = ctx.bind(UnknownArgs.class);
        } catch (CodecException e) {
            throw new RerrorException(1001, "bind error", e.getMessage());
        }
        log.info("UnknownPullHandle: codec: {}, RawMessage: {}, bytes: {}", ctx.bodyCodec(),
                args == null ? null : args.rawMessage(),
                args == null || args.bytes() == null ? null : new String(args.bytes(), StandardCharsets.UTF_8));
        ctx.session().push("/push/test?tag=from home-test", Map.of("your_id", String.valueOf(ctx.queryValue("peer_id"))));
        return reply(args, ctx);
    }

    static Map<String, Object> reply(Object args, PullContext ctx) {
        return Home.ordered("your_args", args, "server_time", Home.now(), "meta", ctx.meta().toString());
    }

    @Override
    public void close() {
        peer.close();
    }
}
