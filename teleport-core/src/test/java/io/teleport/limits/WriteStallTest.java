package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.codec.PreEncoded;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.testing.Frames;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Limits#writeStallTimeout()} over real sockets, with small socket buffers so that a large
 * reply fills them: a client that reads nothing is closed, one that reads slowly is not.
 */
class WriteStallTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    private Peer server() {
        return server(Duration.ofMillis(300));
    }

    private Peer server(Duration stallTimeout) {
        Limits limits = Limits.builder().writeBufferWaterMarks(1024, 4096).writeStallTimeout(stallTimeout).build();
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits).sendBufferSize(4096).build()));
        String big = "x".repeat(2 * 1024 * 1024);
        server.pullRouter().route("/big", String.class, (body, ctx) -> big);
        return server;
    }

    private Socket pullBig(Peer server) throws IOException {
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        sockets.add(s);
        s.getOutputStream().write(Frames.encode(new Packet(PacketType.PULL, 1, "/big",
                new PreEncoded("\"\"".getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j')));
        return s;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = io.teleport.config.HandlerExecution.class, names = {"POOL", "INLINE"})
    void repliesUnderTheHighWaterMarkThatNobodyReadsDoNotHoldTheInboundBudgetForEver(
            io.teleport.config.HandlerExecution execution) throws Exception {
        // Marks far above the replies: the connection stays writable while its replies wait unread.
        // Inline handlers reply during the read, whose flush comes at its end (FlushConsolidationHandler).
        Limits limits = Limits.builder().writeBufferWaterMarks(4 * 1024 * 1024, 8 * 1024 * 1024)
                .writeStallTimeout(Duration.ofMillis(300)).build();
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits).sendBufferSize(4096)
                .handlerExecution(execution).build()));
        server.pullRouter().route("/echo", String.class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        sockets.add(s);
        String body = "\"" + "y".repeat(900 * 1024) + "\"";
        // Inline, one pull: its reply's only flush is the one at the end of the read.
        int pulls = execution == io.teleport.config.HandlerExecution.INLINE ? 1 : 3;
        for (int seq = 1; seq <= pulls; seq++) {
            s.getOutputStream().write(Frames.encode(new Packet(PacketType.PULL, seq, "/echo",
                    new PreEncoded(body.getBytes(StandardCharsets.UTF_8))).bodyCodec((byte) 'j')));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> server.stats().writeStalls() == 1);
        await().until(() -> server.sessionCount() == 0);
        await().until(() -> server.stats().inboundBytes() == 0);
    }

    @Test
    void pushesUnderTheHighWaterMarkToAPeerThatStoppedReadingAreNoStall() throws Exception {
        // Such a peer may have stopped on purpose (its own in-flight limit): under the mark, only unread
        // replies, which hold what their pulls took of this side's budget, count as a stall.
        Limits limits = Limits.builder().writeBufferWaterMarks(4 * 1024 * 1024, 8 * 1024 * 1024)
                .writeStallTimeout(Duration.ofMillis(300)).build();
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits).sendBufferSize(4096).build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        sockets.add(s);
        await().until(() -> server.sessionCount() == 1);
        // Never written out whole: its future stays pending while the peer reads nothing.
        server.sessions().iterator().next().push("/note", "z".repeat(900 * 1024));
        Thread.sleep(1500);
        assertThat(server.stats().writeStalls()).isZero();
        assertThat(server.sessionCount()).isEqualTo(1);
    }

    @Test
    void aClientThatReadsNothingOfAReplyIsClosedAfterTheStallTimeout() throws Exception {
        Peer server = server();
        Socket s = pullBig(server);
        await().atMost(Duration.ofSeconds(15)).until(() -> server.stats().writeStalls() == 1);
        await().until(() -> server.sessionCount() == 0);
        // What the kernel had taken is still readable, then the end.
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[65536];
        long read = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            read += n;
        }
        assertThat(read).as("the reply was cut").isLessThan(2 * 1024 * 1024);
    }

    @Test
    void aClientThatReadsSlowlyIsNotStalled() throws Exception {
        // A timeout well above the reader's pace, so that a pause of the machine's is not taken for a stall.
        Peer server = server(Duration.ofSeconds(2));
        Socket s = pullBig(server);
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[2048];
        long end = System.nanoTime() + Duration.ofMillis(5000).toNanos();
        long read = 0;
        while (System.nanoTime() < end) {
            int n = in.read(buf);
            assertThat(n).as("still open").isPositive();
            read += n;
            Thread.sleep(100);
        }
        assertThat(read).isLessThan(2 * 1024 * 1024);
        assertThat(server.stats().writeStalls()).isZero();
        assertThat(server.sessionCount()).isEqualTo(1);
    }

    @Test
    void zeroSwitchesItOff() throws Exception {
        Limits limits = Limits.builder().writeBufferWaterMarks(1024, 4096).writeStallTimeout(Duration.ZERO).build();
        Peer server = peers.add(new Peer(PeerConfig.builder().limits(limits).sendBufferSize(4096).build()));
        server.pullRouter().route("/big", String.class, (body, ctx) -> "x".repeat(2 * 1024 * 1024));
        Socket s = pullBig(server);
        s.setSoTimeout(1000);
        Thread.sleep(1000);
        assertThat(server.sessionCount()).isEqualTo(1);
        assertThat(s.getInputStream().read()).isNotNegative();
        assertThat(server.stats().writeStalls()).isZero();
    }

    @Test
    void theDefaultIsAMinute() {
        assertThat(Limits.defaults().writeStallTimeout()).isEqualTo(Duration.ofSeconds(60));
    }
}
