package io.teleport.session;

import io.netty.buffer.Unpooled;
import io.teleport.Peer;
import io.teleport.codec.StringCodec;
import io.teleport.config.PeerConfig;
import io.teleport.message.Rerror;
import io.teleport.message.RerrorException;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.FastProto;
import io.teleport.proto.ProtoException;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.GoldenFrames;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.teleport.session.CallOptions.bodyCodec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One server port in {@code auto} mode serves Teleport v3 and erpc v6 clients at once. */
class AutoProtoTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void byteFourTellsTheGenerationsApart() {
        assertThat(AutoProto.detect(Unpooled.wrappedBuffer(GoldenFrames.get("V1")))).isSameAs(FastProto.INSTANCE);
        assertThat(AutoProto.detect(Unpooled.wrappedBuffer(ErpcGoldenFrames.get("E1").frame())))
                .isSameAs(ErpcRawProto.INSTANCE);
        assertThat(AutoProto.detect(Unpooled.wrappedBuffer(ErpcGoldenFrames.get("E3").frame())))
                .as("gzip: one filter").isSameAs(ErpcRawProto.INSTANCE);
        assertThat(AutoProto.detect(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 20}))).isNull();
        assertThatThrownBy(() -> AutoProto.detect(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 20, 0x09})))
                .isInstanceOf(ProtoException.class).hasMessageContaining("byte 4 is 0x9");
    }

    @Test
    void oneAutoPortServesAV3AndAV6ClientAtOnce() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        Map<String, Session> sessionsByProto = new ConcurrentHashMap<>();
        CountDownLatch inside = new CountDownLatch(2);
        server.pullRouter().route("/who", String.class, (s, ctx) -> {
            sessionsByProto.put(s, ctx.session());
            inside.countDown();
            // Both pulls are in their handlers at the same time: the two connections are served together.
            if (!inside.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other client never came");
            }
            return s + " seq " + ctx.seq();
        });
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();

        BlockingQueue<String> pushes = new LinkedBlockingQueue<>();
        Peer v3 = peers.add(new Peer(PeerConfig.builder().build()));
        Peer v6 = peers.add(new Peer(PeerConfig.builder().build()));
        v3.pushRouter().route("/hi", String.class, (s, ctx) -> pushes.add("v3 got " + s + " seq " + ctx.seq()));
        v6.pushRouter().route("/hi", String.class, (s, ctx) -> pushes.add("v6 got " + s + " seq " + ctx.seq()));
        Session s3 = v3.dial("127.0.0.1:" + port);
        Session s6 = v6.dial("127.0.0.1:" + port, ErpcRawProto.INSTANCE);

        CompletableFuture<String> r3 = s3.pullAsync("/who", "v3", String.class, bodyCodec(StringCodec.ID));
        CompletableFuture<String> r6 = s6.pullAsync("/who", "v6", String.class, bodyCodec(StringCodec.ID));
        assertThat(r3.get(10, TimeUnit.SECONDS)).isEqualTo("v3 seq 0");
        assertThat(r6.get(10, TimeUnit.SECONDS)).isEqualTo("v6 seq 1");

        // Each accepted session writes in the protocol its client spoke, pushes included.
        sessionsByProto.get("v3").push("/hi", "3", bodyCodec(StringCodec.ID));
        sessionsByProto.get("v6").push("/hi", "6", bodyCodec(StringCodec.ID));
        assertThat(List.of(pushes.poll(5, TimeUnit.SECONDS), pushes.poll(5, TimeUnit.SECONDS)))
                .containsExactlyInAnyOrder("v3 got 3 seq 0", "v6 got 6 seq 1");
        assertThatThrownBy(() -> s6.pull("/nope", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class,
                        e -> assertThat(e.rerror()).isEqualTo(Rerror.of(404, "Not Found")));
    }

    @Test
    void aGoErpcCallOnAnAutoPortGetsTheGoReply() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        server.pullRouter().route("/echo/string", String.class, (s, ctx) -> "echo:" + s);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(ErpcGoldenFrames.get("E5").frame());
            assertThat(ErpcInteropTest.readFrame(socket.getInputStream())).isEqualTo(ErpcGoldenFrames.get("E6").frame());
        }
    }

    @Test
    void neitherGenerationIsRefusedAndTheConnectionClosed() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(new byte[] {0, 0, 0, 20, 'G', 'E', 'T', ' ', '/', ' '});
            assertThat(socket.getInputStream().read()).as("closed without a reply").isEqualTo(-1);
        }
    }

    @Test
    void dialingWithAutoIsRefused() {
        Peer client = peers.add(new Peer(PeerConfig.builder().build()));
        assertThatThrownBy(() -> client.dial("127.0.0.1:1", AutoProto.INSTANCE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accepting sides only");
        Peer autoDefault = peers.add(Peer.builder().defaultProto(AutoProto.INSTANCE).build());
        assertThatThrownBy(() -> autoDefault.dial("127.0.0.1:1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accepting sides only");
    }

    @Test
    void aClientThatHasSaidNothingIsSkippedByABroadcastCountedAndToldHowToFixIt() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().build()));
        server.pullRouter().route("/hello", String.class, (s, ctx) -> s);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();
        BlockingQueue<String> pushes = new LinkedBlockingQueue<>();
        Peer listener = peers.add(new Peer(PeerConfig.builder().build()));
        listener.pushRouter().route("/news", String.class, (body, ctx) -> pushes.add(body));
        Session client = listener.dial("127.0.0.1:" + port);
        org.awaitility.Awaitility.await().until(() -> server.sessionCount() == 1);

        // Its protocol is not known until it speaks: skipped, counted, and a pull says why.
        assertThat(server.pushAll("/news", "first", s -> true, bodyCodec(StringCodec.ID)).get(5, TimeUnit.SECONDS)).isZero();
        assertThat(server.stats().broadcastSkipped()).isEqualTo(1);
        Session accepted = server.sessions().iterator().next();
        assertThatThrownBy(() -> accepted.pull("/hello", "x", String.class))
                .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.rerror().detail())
                        .contains("protocol not known yet").contains("must send one first"));

        assertThat(client.pull("/hello", "now", String.class)).isEqualTo("now");
        assertThat(server.pushAll("/news", "second", s -> true, bodyCodec(StringCodec.ID)).get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(pushes.poll(5, TimeUnit.SECONDS)).isEqualTo("second");
    }
}
