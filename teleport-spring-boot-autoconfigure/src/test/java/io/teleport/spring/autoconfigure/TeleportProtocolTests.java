package io.teleport.spring.autoconfigure;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.RerrorException;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.Proto;
import io.teleport.spring.client.SessionTemplate;
import io.teleport.spring.client.SessionTemplates;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code teleport.protocol} for the whole peer (teleport-v3, erpc-v6, auto) and
 * {@code teleport.clients.<name>.protocol} per remote.
 */
class TeleportProtocolTests {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TeleportAutoConfiguration.class));

    private static final String SERVER = "teleport.server.listen-address=127.0.0.1:0";

    /** Pulls {@code /echo} of the application's peer with a core client speaking {@code proto}. */
    private String pullWith(AssertableApplicationContext ctx, Proto proto) {
        Peer app = ctx.getBean(Peer.class);
        int port = ((InetSocketAddress) app.listenAddresses().iterator().next()).getPort();
        Peer client = peers.add(new Peer(PeerConfig.builder().build()));
        return client.dial("127.0.0.1:" + port, proto).pull("/echo", "hi", String.class);
    }

    private static void echo(AssertableApplicationContext ctx) {
        ctx.getBean(Peer.class).pullRouter().route("/echo", String.class, (body, c) -> body + " via " + c.seq());
    }

    @Test
    void theDefaultStaysTeleportV3() {
        runner.withPropertyValues(SERVER).run(ctx -> {
            echo(ctx);
            assertThat(pullWith(ctx, FastProto.INSTANCE)).isEqualTo("hi via 0");
            assertThatThrownBy(() -> pullWith(ctx, ErpcRawProto.INSTANCE)).isInstanceOf(RerrorException.class);
        });
    }

    @Test
    void erpcV6ForTheWholePeer() {
        runner.withPropertyValues(SERVER, "teleport.protocol=erpc-v6").run(ctx -> {
            echo(ctx);
            assertThat(pullWith(ctx, ErpcRawProto.INSTANCE)).isEqualTo("hi via 1");
        });
    }

    @Test
    void autoServesBothGenerations() {
        runner.withPropertyValues(SERVER, "teleport.protocol=auto").run(ctx -> {
            echo(ctx);
            assertThat(pullWith(ctx, FastProto.INSTANCE)).isEqualTo("hi via 0");
            assertThat(pullWith(ctx, ErpcRawProto.INSTANCE)).isEqualTo("hi via 1");
        });
    }

    @Test
    void autoNeedsAListenAddress() {
        runner.withPropertyValues("teleport.client.address=127.0.0.1:1", "teleport.protocol=auto")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("teleport.protocol"));
    }

    @Test
    void eachRemoteHasItsOwnProtocol() {
        Peer v6 = peers.add(new Peer(PeerConfig.builder().build()));
        v6.pullRouter().route("/echo", String.class, (body, c) -> body + " from v6 seq " + c.seq());
        int v6Port = ((InetSocketAddress) v6.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        Peer v3 = peers.add(new Peer(PeerConfig.builder().build()));
        v3.pullRouter().route("/echo", String.class, (body, c) -> body + " from v3 seq " + c.seq());
        int v3Port = ((InetSocketAddress) v3.listen("127.0.0.1:0", null)).getPort();
        // A bridge: it listens in auto mode, and its remotes are one of each generation.
        runner.withPropertyValues(SERVER, "teleport.protocol=auto",
                "teleport.clients.go-new.address=127.0.0.1:" + v6Port, "teleport.clients.go-new.protocol=erpc-v6",
                "teleport.clients.go-old.address=127.0.0.1:" + v3Port).run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    SessionTemplates remotes = ctx.getBean(SessionTemplates.class);
                    SessionTemplate goNew = remotes.get("go-new");
                    assertThat(goNew.pull("/echo", "a", String.class)).isEqualTo("a from v6 seq 1");
                    assertThat(remotes.get("go-old").pull("/echo", "b", String.class))
                            .as("unnamed under auto: teleport-v3").isEqualTo("b from v3 seq 0");
                });
    }

    @Test
    void aRemoteCannotBeAuto() {
        runner.withPropertyValues("teleport.clients.x.address=127.0.0.1:1", "teleport.clients.x.protocol=auto")
                .run(ctx -> assertThat(ctx).getFailure().hasStackTraceContaining("teleport.clients.x.protocol"));
    }
}
