package io.teleport.internal.session;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.session.Session;
import io.teleport.testing.Frames;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A peer sends replies only to the other side's pulls, late ones included: a reply to no pull of this
 * side's (which, gzipped, would cost an inflate on the I/O thread outside every bound the handled
 * messages are held to) breaks the protocol, and closes the connection, counted.
 */
class UnaskedReplyTest {

    private static final int STRAY_REPLIES = PendingCalls.STRAY_REPLIES;

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    private Peer server;

    /** A server, and a raw connection to it that fails a read after 5 s. */
    private Socket connect() throws Exception {
        server = peers.add(new Peer(PeerConfig.defaults()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static boolean closedByPeer(InputStream in) throws Exception {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    private static byte[] stray(long seq, String text) {
        return Frames.encode(new Packet(PacketType.REPLY, seq, "/anything", text).bodyCodec((byte) 's'));
    }

    @Test
    void repliesToNoPullPastAFewCloseTheConnection() throws Exception {
        try (Socket attacker = connect()) {
            OutputStream out = attacker.getOutputStream();
            // A Go peer writes the replies to pulls of a connection that broke on the one it redialed: a few are let pass.
            for (int i = 0; i < STRAY_REPLIES; i++) {
                out.write(stray(i, "stray"));
            }
            out.write(Frames.encode(new Packet(PacketType.PUSH, 1, "/hello", null)));
            await().until(() -> server.sessionCount() == 1);
            await().during(Duration.ofMillis(200)).until(() -> server.sessionCount() == 1);
            assertThat(server.stats().badFrames()).isZero();
            assertThat(server.stats().lateReplies()).isEqualTo(STRAY_REPLIES);

            out.write(stray(99, "one too many"));
            assertThat(closedByPeer(attacker.getInputStream())).isTrue();
        }
        assertThat(server.stats().badFrames()).isEqualTo(1);
    }

    @Test
    void aGzippedReplyToNoPullClosesTheConnectionAtOnce() throws Exception {
        try (Socket attacker = connect()) {
            // Inflated to be read at all: no stray allowance for it.
            attacker.getOutputStream().write(Frames.encode(new Packet(PacketType.REPLY, 3, "/anything", "zzzzzzzz")
                    .bodyCodec((byte) 's').xferPipe(new byte[] {'g'})));
            assertThat(closedByPeer(attacker.getInputStream())).isTrue();
        }
        assertThat(server.stats().badFrames()).isEqualTo(1);
    }

    @Test
    void aPullThatTimedOutLetsOneMoreReplyPass() throws Exception {
        try (Socket client = connect()) {
            OutputStream out = client.getOutputStream();
            // Say something first, so that the server has a session to pull.
            out.write(Frames.encode(new Packet(PacketType.PUSH, 1, "/hello", null)));
            await().until(() -> server.sessionCount() == 1);
            Session session = server.sessions().iterator().next();
            assertThatThrownBy(() -> session.pull("/slow", "", String.class, CallOptions.timeout(Duration.ofMillis(100))))
                    .isInstanceOfSatisfying(RerrorException.class, e -> assertThat(e.code()).isEqualTo(408));
            Packet pull = Frames.read(new DataInputStream(client.getInputStream()));

            // Its reply, late, and the strays any session lets pass: dropped, the connection stays.
            out.write(stray(pull.seq(), "late"));
            for (int i = 0; i < STRAY_REPLIES; i++) {
                out.write(stray(1000 + i, "stray"));
            }
            out.write(Frames.encode(new Packet(PacketType.PUSH, 2, "/hello", null)));
            await().during(Duration.ofMillis(200)).until(session::isHealthy);
            assertThat(server.stats().badFrames()).isZero();
            assertThat(server.stats().lateReplies()).as("the late reply and the strays, dropped").isEqualTo(1 + STRAY_REPLIES);

            out.write(stray(pull.seq(), "again"));
            assertThat(closedByPeer(client.getInputStream())).isTrue();
        }
        assertThat(server.stats().badFrames()).isEqualTo(1);
    }

    @Test
    void framesDecodedInTheSamePassAsTheStrayPastTheAllowanceAreNotCountedAgain() throws Exception {
        try (Socket attacker = connect()) {
            // One write: the frames after the one that breaks the protocol arrive in the same read.
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < STRAY_REPLIES + 80; i++) {
                all.write(stray(i, "stray"));
            }
            attacker.getOutputStream().write(all.toByteArray());
            assertThat(closedByPeer(attacker.getInputStream())).isTrue();
        }
        await().until(() -> server.sessionCount() == 0);
        assertThat(server.stats().badFrames()).as("one connection, one violation").isEqualTo(1);
        await().until(() -> server.stats().inboundBytes() == 0);
    }
}
