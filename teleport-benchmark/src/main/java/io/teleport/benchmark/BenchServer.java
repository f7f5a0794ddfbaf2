package io.teleport.benchmark;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.teleport.HandlerExecution;
import io.teleport.Peer;
import io.teleport.PeerConfig;
import io.teleport.plugin.Plugin;
import io.teleport.spring.metrics.MicrometerPlugin;

import java.util.Locale;

/** The core server: {@code /hello/say} with the protobuf codec, handlers as chosen. */
final class BenchServer {

    private BenchServer() {
    }

    static void run(Options o) throws InterruptedException {
        HandlerExecution execution = HandlerExecution.valueOf(o.string("handler", "pool").toUpperCase(Locale.ROOT));
        Plugin[] plugins = o.flag("metrics") ? new Plugin[] {new MicrometerPlugin(new SimpleMeterRegistry())}
                : new Plugin[0];
        Peer peer = new Peer(PeerConfig.builder()
                .defaultBodyCodec("protobuf")
                .handlerExecution(execution)
                .ioThreads(o.integer("io-threads", 0))
                .handlerThreads(o.integer("handler-threads", 200))
                .build(), plugins);
        peer.pullRouter().register(new Workload.Hello());
        String address = o.string("host", "127.0.0.1") + ":" + o.required("port");
        peer.listen(address, null);
        System.err.printf("teleport-server: %s handler=%s metrics=%s request=%d bytes%n", address, execution,
                o.flag("metrics"), Workload.request().getSerializedSize());
        Runtime.getRuntime().addShutdownHook(new Thread(peer::close));
        Thread.currentThread().join();
    }
}
