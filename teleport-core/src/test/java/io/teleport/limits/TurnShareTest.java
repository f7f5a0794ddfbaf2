package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.testing.Frames;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A connection's frames are decoded a turn's share at a time, with reading stopped meanwhile; none is lost on the way. */
class TurnShareTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    @Test
    void manyFramesInOneWriteAreAllHandledInShares() throws Exception {
        Peer server = peers.add(new Peer(PeerConfig.builder().ioThreads(1).build()));
        AtomicInteger handled = new AtomicInteger();
        server.pushRouter().route("/note", String.class, (body, ctx) -> handled.incrementAndGet());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        int frames = 2_000;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int i = 0; i < frames; i++) {
            all.write(Frames.encode(new Packet(PacketType.PUSH, i, "/note", "n" + i).bodyCodec((byte) 's')));
        }
        try (Socket sender = new Socket("127.0.0.1", port)) {
            sender.getOutputStream().write(all.toByteArray());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(handled).hasValue(frames));
        }

        assertThat(server.stats().readPauses()).as("the sender's read was decoded in shares").isPositive();
        await().untilAsserted(() -> assertThat(server.stats().inboundBytes()).isZero());
    }
}
