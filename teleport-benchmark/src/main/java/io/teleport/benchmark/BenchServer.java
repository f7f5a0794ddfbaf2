package io.teleport.benchmark;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.HandlerExecution;
import io.teleport.config.PeerConfig;
import io.teleport.benchmark.proto.BenchmarkMessage;
import io.teleport.plugin.Plugin;
import io.teleport.router.MessageContext;
import io.teleport.router.Route;
import io.teleport.session.CallOption;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.spring.metrics.MicrometerPlugin;

import java.util.Locale;

/**
 * The core server: {@code /hello/say} with the protobuf codec, handlers as chosen; two routes for
 * the soak test, {@code /bench/slow} and {@code /bench/flood}; and, when asked for,
 * {@code /bench/full_gc}.
 */
public final class BenchServer {

    /** The path of the pull that answers after a pause: {@code ?ms=M&size=B}. */
    public static final String SLOW = "/bench/slow";
    /** The path of the pull that pushes back to its caller: {@code ?n=K&size=B&tag=T}. */
    public static final String FLOOD = "/bench/flood";
    /** The path of the pushes {@link #FLOOD} sends, with {@code ?tag=T} when the pull gave one. */
    public static final String FLOODED = "/bench/flooded";
    /**
     * The path of the pull that runs a full collection before it answers ({@code --full-gc-route}),
     * so that a client can make the sessions old after its warm-up, as they are in a server that
     * has run for minutes.
     */
    public static final String FULL_GC = "/bench/full_gc";

    // Bounds of the soak routes: one request may cost the server at most a 2 s handler and
    // 10,000 x 64 KiB of pushes, whatever a caller asks.
    static final int MAX_SLOW_MS = 2_000;
    static final int MAX_BODY = 64 * 1024;
    static final int MAX_FLOOD = 10_000;
    private static final int MAX_TAG = 32;

    private BenchServer() {
    }

    static void run(Options o) throws InterruptedException {
        start(o);
        Thread.currentThread().join();
    }

    /** Builds, routes and starts the server as {@code server} does, and returns its peer. */
    public static Peer start(Options o) {
        HandlerExecution execution = HandlerExecution.valueOf(o.string("handler", "pool").toUpperCase(Locale.ROOT));
        Plugin[] plugins = o.flag("metrics") ? new Plugin[] {new MicrometerPlugin(new SimpleMeterRegistry())}
                : new Plugin[0];
        Peer peer = new Peer(PeerConfig.builder()
                .defaultBodyCodec("protobuf")
                .handlerExecution(execution)
                .ioThreads(o.integer("io-threads", 0))
                .handlerThreads(o.integer("handler-threads", 200))
                .build(), plugins);
        if (o.flag("nonblocking")) {
            // The same handler, marked as one that never blocks: on the I/O thread, the pool kept for the rest.
            peer.pullRouter().route(new Route(Workload.URI, BenchmarkMessage.class, "Hello#say",
                    (body, ctx) -> Workload.answer((BenchmarkMessage) body)).withNonBlocking(true));
        } else {
            peer.pullRouter().register(new Workload.Hello());
        }
        routeSoak(peer);
        if (o.flag("full-gc-route")) {
            // Off by default: any caller of it stops the server's world.
            peer.pullRouter().route(FULL_GC, Void.class, (body, ctx) -> {
                System.gc();
                ctx.replyBodyCodec(StringCodec.ID);
                return "collected";
            });
        }
        String address = o.string("host", "127.0.0.1") + ":" + o.required("port");
        peer.listen(address, o.protocol());
        System.err.printf("teleport-server: %s handler=%s nonblocking=%s metrics=%s protocol=%s request=%d bytes%n",
                address, execution, o.flag("nonblocking"), o.flag("metrics"), o.protocol().name(), Workload.request().getSerializedSize());
        Runtime.getRuntime().addShutdownHook(new Thread(peer::close));
        return peer;
    }

    /**
     * The soak test's routes. Replies use the string codec so that callers sending no codec (raw
     * frames) still get a reply the server can encode. {@code /bench/slow} sleeps on the handler
     * thread on purpose: it stands for a handler that blocks on I/O.
     */
    private static void routeSoak(Peer peer) {
        peer.pullRouter().route(SLOW, Void.class, (body, ctx) -> {
            int ms = query(ctx, "ms", 10, MAX_SLOW_MS);
            int size = query(ctx, "size", 0, MAX_BODY);
            if (ms > 0) {
                Thread.sleep(ms);
            }
            ctx.replyBodyCodec(StringCodec.ID);
            return new byte[size];
        });
        peer.pullRouter().route(FLOOD, Void.class, (body, ctx) -> {
            int n = query(ctx, "n", 1, MAX_FLOOD);
            byte[] payload = new byte[query(ctx, "size", 0, MAX_BODY)];
            String tag = ctx.queryValue("tag");
            String uri = tag == null || tag.length() > MAX_TAG || !tag.matches("[0-9A-Za-z_-]*") ? FLOODED
                    : FLOODED + "?tag=" + tag;
            Session session = ctx.session();
            CallOption codec = CallOptions.bodyCodec(StringCodec.ID);
            for (int i = 0; i < n; i++) {
                session.push(uri, payload, codec);
            }
            ctx.replyBodyCodec(StringCodec.ID);
            return Integer.toString(n);
        });
    }

    /** A query number clamped to {@code [0, max]}; the fallback when absent or not a number. */
    private static int query(MessageContext ctx, String name, int fallback, int max) {
        String value = ctx.queryValue(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Math.max(0, Math.min(max, Integer.parseInt(value)));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
