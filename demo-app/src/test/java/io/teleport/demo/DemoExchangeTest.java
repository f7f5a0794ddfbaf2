package io.teleport.demo;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The server and client roles as separate peers: both pulls answered, both pushes received. */
class DemoExchangeTest {

    @Test
    void theSeedExampleRunsEndToEnd() throws Exception {
        try (DemoServer server = new DemoServer("127.0.0.1:0", Duration.ofMillis(50));
             DemoClient client = new DemoClient()) {
            int port = ((InetSocketAddress) server.start()).getPort();
            assertThat(client.run("127.0.0.1:" + port, 3)).isTrue();

            Map<?, ?> test = client.replies().get(0);
            assertThat(test.get("your_args")).isEqualTo(Map.of("bytes", "dGVzdCBieXRlcw=="));
            assertThat(test.get("meta")).isEqualTo("set=0&add=1&add=2");
            assertThat(test.get("server_time")).isNotNull();

            Map<?, ?> unknown = client.replies().get(1);
            assertThat(unknown.get("your_args"))
                    .isEqualTo(Map.of("RawMessage", Map.of("RawMessage", "test_unknown"), "Bytes", "dGVzdCBieXRlcw=="));
            assertThat(unknown.get("meta")).isEqualTo("");

            org.awaitility.Awaitility.await().until(() -> client.pushes().size() == 2);
            assertThat(client.pushes()).containsOnly("/push/test?tag=from home-test");
        }
    }
}
