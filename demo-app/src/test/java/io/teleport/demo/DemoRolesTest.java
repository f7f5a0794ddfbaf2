package io.teleport.demo;

import io.teleport.Peer;
import io.teleport.demo.client.DemoClient;
import io.teleport.demo.client.PushLog;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The server role and the client role as separate Spring contexts, and both in one. */
class DemoRolesTest {

    private static ConfigurableApplicationContext start(String profile, String... properties) {
        // Command-line arguments: they win over application.yml's profile sections.
        String[] args = java.util.Arrays.stream(properties).map(p -> "--" + p).toArray(String[]::new);
        return new SpringApplicationBuilder(DemoApplication.class).profiles(profile).run(args);
    }

    @Test
    void theClientRoleCompletesAgainstTheServerRole() {
        try (ConfigurableApplicationContext server = start("server", "teleport.server.listen-address=127.0.0.1:0",
                "demo.delay=50ms")) {
            int port = ((InetSocketAddress) server.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
            try (ConfigurableApplicationContext client = start("client", "teleport.client.address=127.0.0.1:" + port,
                    "demo.retry-interval=100ms")) {
                DemoClient demo = client.getBean(DemoClient.class);
                PushLog push = client.getBean(PushLog.class);
                Peer clientPeer = client.getBean(Peer.class);
                assertThat(demo.getExitCode()).as("the client's exit status").isZero();
                assertThat(demo.replies()).hasSize(2);
                Map<?, ?> test = demo.replies().get(0);
                assertThat(test.get("your_args")).isEqualTo(Map.of("bytes", "dGVzdCBieXRlcw=="));
                assertThat(test.get("meta")).isEqualTo("set=0&add=1&add=2");
                assertThat(test.get("server_time")).isNotNull();
                Map<?, ?> unknown = demo.replies().get(1);
                assertThat(unknown.get("your_args")).isEqualTo(
                        Map.of("RawMessage", Map.of("RawMessage", "test_unknown"), "Bytes", "dGVzdCBieXRlcw=="));
                assertThat(unknown.get("meta")).isEqualTo("");
                await().until(() -> push.received().size() == 2);
                assertThat(push.received()).containsExactlyInAnyOrder(
                        "/push/test?tag=from home-test {your_id=call-1}", "/push/test?tag=from home-test {your_id=call-2}");
                assertThat(server.getBean(Peer.class).session("testId")).as("the client set its id on its side only")
                        .isEmpty();
                assertThat(clientPeer.session("testId")).isPresent();
                assertThat(SpringApplication.exit(client)).as("what main() exits with").isZero();
            }
        }
    }

    @Test
    void theClientRoleFailsWithoutAServer() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (ConfigurableApplicationContext client = start("client", "teleport.client.address=127.0.0.1:" + port,
                "demo.attempts=2", "demo.retry-interval=50ms")) {
            assertThat(SpringApplication.exit(client)).isEqualTo(1);
        }
    }

    @Test
    void withoutAProfileBothRolesRunInOneJvm() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (ConfigurableApplicationContext both = new SpringApplicationBuilder(DemoApplication.class).run(
                "--teleport.server.listen-address=127.0.0.1:" + port, "--teleport.client.address=127.0.0.1:" + port,
                "--demo.delay=50ms")) {
            assertThat(both.getBean(DemoClient.class).getExitCode()).isZero();
            assertThat(both.getBean(Peer.class).listenAddresses()).as("the server keeps serving").hasSize(1);
        }
    }
}
