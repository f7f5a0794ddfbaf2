package io.teleport.plugins;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.teleport.Peer;
import io.teleport.codec.Codecs;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.Rerror;
import io.teleport.proto.AutoProto;
import io.teleport.proto.ErpcRawProto;
import io.teleport.proto.ProtoContext;
import io.teleport.session.Session;
import io.teleport.testing.ErpcGoldenFrames;
import io.teleport.testing.TestPeers;
import io.teleport.xfer.XferFilters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The heartbeat plugin on erpc v6 sessions speaks erpc's plugin/heartbeat (vectors E41-E43). */
class ErpcHeartbeatTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void aJavaPingIsTheGoPingersCall() throws Exception {
        try (ServerSocket go = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> ping = new CompletableFuture<>();
            CompletableFuture.runAsync(() -> {
                try (Socket s = go.accept()) {
                    s.setSoTimeout(10_000);
                    byte[] frame = readFrame(s.getInputStream());
                    // The Go pong's answer: a typed nil, JSON null.
                    s.getOutputStream().write(ErpcGoldenFrames.get("E42").frame());
                    ping.complete(frame);
                    s.getInputStream().read();
                } catch (Exception e) {
                    ping.completeExceptionally(e);
                }
            });
            // 2.5 s is announced as 3 whole seconds, as the captured Go pinger's NewPing(3, true).
            Peer client = peers.add(Peer.builder().plugin(HeartbeatPlugin.ping(Duration.ofMillis(2500))).build());
            Session session = client.dial("127.0.0.1:" + go.getLocalPort(), ErpcRawProto.INSTANCE);
            assertThat(ping.get(10, TimeUnit.SECONDS)).isEqualTo(ErpcGoldenFrames.get("E41").frame());
            Thread.sleep(300);
            assertThat(session.isHealthy()).as("the Go pong's null answer is a success").isTrue();
            session.close();
        }
    }

    @Test
    void aJavaPongKeepsAGoPingersSessionForTwiceItsAnnouncedRate() throws Exception {
        // Alone, this pong closes sessions silent for 3 x 1 s (a second: a busy machine may record a
        // push's announced rate late).
        Peer server = peers.add(Peer.builder().plugin(HeartbeatPlugin.pong(Duration.ofSeconds(1))).build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        try (Socket call = new Socket(InetAddress.getLoopbackAddress(), port);
                Socket push = new Socket(InetAddress.getLoopbackAddress(), port);
                Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
            call.setSoTimeout(5000);
            call.getOutputStream().write(ErpcGoldenFrames.get("E41").frame());
            Packet reply = decode(readFrame(call.getInputStream()));
            assertThat(reply.type()).isEqualTo(PacketType.REPLY);
            assertThat(reply.seq()).isEqualTo(1);
            assertThat(reply.hasMeta()).as("no error status").isFalse();
            push.getOutputStream().write(ErpcGoldenFrames.get("E43").frame());
            silent.getOutputStream().write(ErpcGoldenFrames.get("E11").frame());
            silent.setSoTimeout(5000);
            readFrame(silent.getInputStream());

            // hb_=3: kept for 6 s; the session that announced nothing goes after 3 s.
            silent.setSoTimeout(5500);
            assertThat(silent.getInputStream().read()).as("closed").isEqualTo(-1);
            assertOpen(call);
            assertOpen(push);
        }
    }

    @Test
    void anAnnouncedRateKeepsASilentSessionAtMostTenRatesOrFiveMinutes() {
        long second = TimeUnit.SECONDS.toNanos(1);
        assertThat(HeartbeatPlugin.idleLimitNanos(second, null)).as("none announced: three rates").isEqualTo(3 * second);
        assertThat(HeartbeatPlugin.idleLimitNanos(5 * second, 60 * second)).as("a slower Go pinger: twice its rate")
                .isEqualTo(120 * second);
        assertThat(HeartbeatPlugin.idleLimitNanos(5 * second, TimeUnit.DAYS.toNanos(1)))
                .as("a day announced: five minutes, not two days").isEqualTo(TimeUnit.MINUTES.toNanos(5));
        assertThat(HeartbeatPlugin.idleLimitNanos(60 * second, TimeUnit.DAYS.toNanos(1)))
                .as("ten of a slow pong's rates").isEqualTo(600 * second);
    }

    @Test
    void anInvalidRateIsRefusedAsErpcDoes() throws Exception {
        Peer server = peers.add(Peer.builder().plugin(HeartbeatPlugin.pong(Duration.ofSeconds(5))).build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        byte[] frame = ErpcGoldenFrames.get("E41").frame().clone();
        // hb_=3 -> hb_=x
        frame[frame.length - 2] = 'x';
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(frame);
            Packet reply = decode(readFrame(socket.getInputStream()));
            assertThat(Rerror.fromMeta(reply.meta())).isEqualTo(new Rerror(400, "Invalid Heartbeat Rate", "x"));
        }
    }

    @Test
    void javaPeersHeartbeatOverErpcV6() throws Exception {
        // A ping fails, and closes its session, unless answered within the rate: 1 s leaves a busy
        // machine time. The ping announces 1 s, so the pong side closes a session silent for 2 s.
        Peer server = peers.add(Peer.builder().plugin(HeartbeatPlugin.pong(Duration.ofSeconds(1))).build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", ErpcRawProto.INSTANCE)).getPort();
        Peer client = peers.add(Peer.builder().plugin(HeartbeatPlugin.ping(Duration.ofSeconds(1))).build());
        Session session = client.dial("127.0.0.1:" + port, ErpcRawProto.INSTANCE);
        Thread.sleep(3500);
        assertThat(session.isHealthy()).as("pinged, so never silent for 2 s").isTrue();
        assertThat(server.sessionCount()).isEqualTo(1);
        assertThatThrownBy(() -> HeartbeatPlugin.ping(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAutoServersPingWaitsForAClientToShowItsProtocol() throws Exception {
        Peer server = peers.add(Peer.builder().plugin(HeartbeatPlugin.ping(Duration.ofMillis(100))).build());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", AutoProto.INSTANCE)).getPort();
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
            // Several ping periods: a ping that cannot be written (no protocol yet) must not close it.
            Thread.sleep(600);
            assertOpen(silent);
            assertThat(server.sessionCount()).isEqualTo(1);
        }
    }

    private static void assertOpen(Socket socket) throws Exception {
        socket.setSoTimeout(200);
        try {
            int read = socket.getInputStream().read();
            throw new AssertionError("expected an open, silent connection; read " + read);
        } catch (SocketTimeoutException expected) {
            // still open
        }
    }

    private static Packet decode(byte[] frame) {
        return ErpcRawProto.INSTANCE.decode(Unpooled.wrappedBuffer(frame),
                new ProtoContext(Codecs.defaults(), XferFilters.defaults(), 1 << 16), ByteBufAllocator.DEFAULT);
    }

    private static byte[] readFrame(InputStream in) throws Exception {
        DataInputStream data = new DataInputStream(in);
        int size = data.readInt();
        byte[] frame = new byte[size];
        frame[0] = (byte) (size >>> 24);
        frame[1] = (byte) (size >>> 16);
        frame[2] = (byte) (size >>> 8);
        frame[3] = (byte) size;
        data.readFully(frame, 4, size - 4);
        return frame;
    }
}
