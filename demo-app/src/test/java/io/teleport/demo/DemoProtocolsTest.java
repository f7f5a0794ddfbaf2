package io.teleport.demo;

import io.teleport.Peer;
import io.teleport.demo.client.DemoClient;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The server role with {@code --teleport.protocol=erpc-v6} and with {@code auto}, served to the client role. */
class DemoProtocolsTest {

    private static ConfigurableApplicationContext start(String profile, String... properties) {
        String[] args = Arrays.stream(properties).map(p -> "--" + p).toArray(String[]::new);
        return new SpringApplicationBuilder(DemoApplication.class).profiles(profile).run(args);
    }

    private static int port(ConfigurableApplicationContext server) {
        return ((InetSocketAddress) server.getBean(Peer.class).listenAddresses().iterator().next()).getPort();
    }

    /** Runs the client role against {@code port} and checks its two pulls. */
    private static void clientCompletes(int port, String protocol) {
        try (ConfigurableApplicationContext client = start("client", "teleport.client.address=127.0.0.1:" + port,
                "teleport.protocol=" + protocol, "demo.retry-interval=100ms")) {
            DemoClient demo = client.getBean(DemoClient.class);
            assertThat(demo.getExitCode()).as(protocol + " client's exit status").isZero();
            assertThat(demo.replies()).hasSize(2);
            assertThat(demo.replies().get(0).get("your_args")).isEqualTo(Map.of("bytes", "dGVzdCBieXRlcw=="));
            assertThat(demo.replies().get(0).get("meta")).isEqualTo("set=0&add=1&add=2");
            assertThat(client.getBean(Peer.class).session("testId").orElseThrow().proto().name())
                    .isEqualTo(protocol.equals("erpc-v6") ? "erpc-v6" : "fast");
        }
    }

    @Test
    void theServerRoleSpeaksErpcV6() {
        try (ConfigurableApplicationContext server = start("server", "teleport.server.listen-address=127.0.0.1:0",
                "teleport.protocol=erpc-v6", "demo.delay=50ms")) {
            clientCompletes(port(server), "erpc-v6");
            assertThat(server.getBean(Peer.class).sessions()).allSatisfy(
                    s -> assertThat(s.proto()).isSameAs(ErpcRawProto.INSTANCE));
        }
    }

    @Test
    void theServerRoleInAutoModeServesBothGenerations() {
        try (ConfigurableApplicationContext server = start("server", "teleport.server.listen-address=127.0.0.1:0",
                "teleport.protocol=auto", "demo.delay=50ms")) {
            clientCompletes(port(server), "teleport-v3");
            clientCompletes(port(server), "erpc-v6");
            assertThat(server.getBean(Peer.class).sessions()).noneMatch(s -> s.proto() == AutoProto.INSTANCE);
        }
    }
}
