package io.teleport.benchmark;

import io.teleport.Peer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The client's full-GC step between warm-up and measurement, against servers with and without its route. */
class FullGcAfterWarmupTest {

    private static int port(Peer server) {
        return ((InetSocketAddress) server.listenAddresses().iterator().next()).getPort();
    }

    private static int client(int port) throws InterruptedException {
        return BenchClient.run(new Options(new String[] {"--port", String.valueOf(port), "-c", "2", "-n", "20",
            "--warmup", "2", "--full-gc-after-warmup"}, 0));
    }

    @Test
    void aServerWithTheRouteCollectsAndTheRunGoesOn() throws Exception {
        Peer server = BenchServer.start(new Options(new String[] {"--port", "0", "--full-gc-route"}, 0));
        try {
            assertThat(client(port(server))).isZero();
        } finally {
            server.close();
        }
    }

    @Test
    void aServerWithoutItIsAClearRefusalNotAMeasurement() throws Exception {
        Peer server = BenchServer.start(new Options(new String[] {"--port", "0"}, 0));
        try {
            assertThat(client(port(server))).isEqualTo(2);
        } finally {
            server.close();
        }
    }
}
