package io.teleport.demo;

import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.RerrorException;
import io.teleport.router.PushContext;
import io.teleport.session.Session;
import io.teleport.xfer.GzipFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.JsonNodeFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.teleport.session.CallOptions.addMeta;
import static io.teleport.session.CallOptions.setMeta;
import static io.teleport.session.CallOptions.xfer;

/** The seed's {@code client.go}: dials, pulls {@code /group/home/test} until it answers, then an unknown route. */
public final class DemoClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoClient.class);

    private final Peer peer;
    private final List<Map<?, ?>> replies = new CopyOnWriteArrayList<>();
    private final List<String> pushes = new CopyOnWriteArrayList<>();

    /** The seed's {@code Push} controller: {@code /push/test}. */
    public class Push {
        /** Logs a push from the server. */
        public void test(Map<String, Object> args, PushContext ctx) {
            log.info("receive push({}):\nargs: {}\nquery: {}", ctx.remoteAddress(), args, ctx.query());
            pushes.add(ctx.uri());
        }
    }

    /** Creates the client peer. */
    public DemoClient() {
        peer = new Peer(PeerConfig.builder()
                .slowCometDuration(Duration.ofMillis(500))
                .printBody(true)
                .countTime(true)
                .build());
        peer.pushRouter().register(new Push());
    }

    /**
     * Runs the two pulls against {@code address}, retrying the first every 2 s up to {@code attempts}
     * times; returns whether both succeeded.
     */
    public boolean run(String address, int attempts) throws InterruptedException {
        Session session = null;
        Map<?, ?> reply = null;
        for (int attempt = 1; attempt <= attempts && reply == null; attempt++) {
            try {
                if (session == null || !session.isHealthy()) {
                    session = peer.dial(address);
                    session.setId("testId");
                }
                reply = session.pull("/group/home/test?peer_id=call-1",
                        Map.of("bytes", "test bytes".getBytes(StandardCharsets.UTF_8)), Map.class,
                        xfer(GzipFilter.ID), setMeta("set", "0"), addMeta("add", "1"), addMeta("add", "2"));
            } catch (RerrorException e) {
                log.error("pull error: {}", e.rerror());
                Thread.sleep(2000);
            }
        }
        if (reply == null) {
            return false;
        }
        replies.add(reply);
        log.info("test: {}", reply);
        try {
            var raw = JsonNodeFactory.instance.objectNode().put("RawMessage", "test_unknown");
            Map<?, ?> unknown = session.pull("/group/home/test_unknown?peer_id=call-2",
                    new UnknownArgs(raw, "test bytes".getBytes(StandardCharsets.UTF_8)), Map.class, xfer(GzipFilter.ID));
            replies.add(unknown);
            log.info("test_unknown: {}", unknown);
            return true;
        } catch (RerrorException e) {
            log.error("pull error: {}", e.rerror());
            return false;
        }
    }

    /** The replies received, in order. */
    public List<Map<?, ?>> replies() {
        return replies;
    }

    /** The URIs of the pushes received. */
    public List<String> pushes() {
        return pushes;
    }

    @Override
    public void close() {
        peer.close();
    }
}
