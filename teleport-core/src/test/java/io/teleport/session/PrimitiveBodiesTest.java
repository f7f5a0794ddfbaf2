package io.teleport.session;

import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Primitive class tokens ({@code int.class}) for reply and route body types, over a real socket. */
class PrimitiveBodiesTest {

    private final List<Peer> peers = new ArrayList<>();

    @AfterEach
    void closeAll() {
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
    }

    private Peer peer() {
        Peer peer = new Peer(PeerConfig.defaults());
        peers.add(peer);
        return peer;
    }

    private Session connect(Peer server) {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        return peer().dial("127.0.0.1:" + port);
    }

    @Test
    void pullRoutesAndRepliesTypedWithPrimitivesCarryTheirValues() {
        Peer server = peer();
        server.pullRouter().route("/inc", int.class, (n, ctx) -> n + 1);
        server.pullRouter().route("/half", long.class, (n, ctx) -> n / 2.0);
        server.pullRouter().route("/not", boolean.class, (b, ctx) -> !b);
        Session session = connect(server);

        int incremented = session.pull("/inc", 41, int.class);
        assertThat(incremented).isEqualTo(42);
        assertThat(session.pull("/half", 5L, double.class)).isEqualTo(2.5);
        assertThat(session.pull("/not", true, boolean.class)).isFalse();
        assertThat(session.pullAsync("/inc", 1, int.class).join()).isEqualTo(2);
        assertThat(session.pullReply("/inc", 2, int.class).join().body()).isEqualTo(3);
    }

    @Test
    void anEmptyBodyReadAsAPrimitiveIsItsZeroAsInGo() {
        Peer server = peer();
        server.pullRouter().route("/inc", int.class, (n, ctx) -> n + 1);
        server.pullRouter().route("/nothing", String.class, (s, ctx) -> "");
        Session session = connect(server);

        assertThat(session.pull("/inc", null, int.class)).as("no body: the handler sees 0").isEqualTo(1);
        assertThat(session.pull("/nothing", "", long.class, CallOptions.bodyCodec(StringCodec.ID)))
                .as("an empty reply read as long").isZero();
    }

    @Test
    void pushRoutesTypedWithPrimitivesReceiveTheirValues() throws Exception {
        Peer server = peer();
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        server.pushRouter().route("/count", int.class, (n, ctx) -> received.add(n * 2));
        Session session = connect(server);

        session.push("/count", 21).join();
        session.push("/count", null).join();
        // Pushes are handled concurrently: in either order.
        assertThat(List.of(received.poll(5, TimeUnit.SECONDS), received.poll(5, TimeUnit.SECONDS)))
                .containsExactlyInAnyOrder(42, 0);
    }
}
