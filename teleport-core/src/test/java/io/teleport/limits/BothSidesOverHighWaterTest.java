package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.config.PeerConfig;
import io.teleport.session.Session;
import io.teleport.testing.TestPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two peers whose outbound buffers both pass the high water mark: one pipelining large pulls (its
 * pulls over one mark, the other's replies over the other), or both pushing large bodies at once.
 * Had both stopped reading, as a pause on the high water mark alone would make them, neither would
 * drain: every pull would time out, and the pushes would wait for the write-stall timeout.
 */
class BothSidesOverHighWaterTest {

    @RegisterExtension
    final TestPeers peers = new TestPeers();

    /**
     * Small socket buffers, so that the kernel does not absorb what the buffers hold (loopback's grow
     * to megabytes) and the outcome does not depend on its tuning.
     */
    private static PeerConfig.Builder smallBuffers() {
        return PeerConfig.builder().receiveBufferSize(64 * 1024).sendBufferSize(64 * 1024);
    }

    private static Session accepted(Peer server) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !server.sessions().isEmpty());
        return server.sessions().iterator().next();
    }

    @Test
    void pullsWhoseBodiesFillBothSidesBuffersAllComplete() throws Exception {
        Peer server = peers.add(new Peer(smallBuffers().build()));
        server.pullRouter().route("/echo", byte[].class, (body, ctx) -> body);
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(smallBuffers().pullTimeout(Duration.ofSeconds(30)).build()));
        Session session = client.dial("127.0.0.1:" + port);

        // 20 frames of 350 KB (the bytes in base64, JSON being the default codec): 7 MB, over the 1 MiB
        // high water mark both ways, under the 8 MiB outbound limit.
        // Sent as fast as they are made (one array), so that they pile up before the first is read.
        byte[] body = new byte[256 * 1024];
        List<CompletableFuture<byte[]>> pulls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pulls.add(session.pullAsync("/echo", body, byte[].class));
        }
        for (CompletableFuture<byte[]> pull : pulls) {
            assertThat(pull.get(30, TimeUnit.SECONDS)).hasSize(body.length);
        }
        // A large reply resumes its connection on the I/O thread once read, just after its caller woke up.
        await().atMost(Duration.ofSeconds(5)).until(() -> client.stats().pausedSessions() == 0);
        assertThat(session.pull("/echo", new byte[] {1}, byte[].class)).containsExactly(1);
    }

    @Test
    void pushHandlersThatPushBackAndWaitForTheirWriteBothFinish() throws Exception {
        int pushes = 20;
        CountDownLatch backAtServer = new CountDownLatch(pushes);
        CountDownLatch backAtClient = new CountDownLatch(pushes);
        Peer server = peers.add(new Peer(smallBuffers().build()));
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(smallBuffers().build()));
        for (Peer peer : List.of(server, client)) {
            // A push in flight on each side (its handler waits for its own write) adds no reply: neither
            // side has a reason to stop reading the other's.
            peer.pushRouter().route("/chunk", byte[].class, (body, ctx) -> {
                ctx.session().push("/back", body).get(60, TimeUnit.SECONDS);
            });
        }
        server.pushRouter().route("/back", byte[].class, (body, ctx) -> backAtServer.countDown());
        client.pushRouter().route("/back", byte[].class, (body, ctx) -> backAtClient.countDown());
        Session toServer = client.dial("127.0.0.1:" + port);
        Session toClient = accepted(server);

        byte[] body = new byte[256 * 1024];
        for (int i = 0; i < pushes; i++) {
            toServer.push("/chunk", body);
            toClient.push("/chunk", body);
        }
        assertThat(backAtServer.await(30, TimeUnit.SECONDS)).as("echoes at the server").isTrue();
        assertThat(backAtClient.await(30, TimeUnit.SECONDS)).as("echoes at the client").isTrue();
    }

    @Test
    void peersPushingLargeBodiesToEachOtherAtOnceBothGetAll() throws Exception {
        int pushes = 20;
        CountDownLatch atServer = new CountDownLatch(pushes);
        CountDownLatch atClient = new CountDownLatch(pushes);
        Peer server = peers.add(new Peer(smallBuffers().build()));
        server.pushRouter().route("/chunk", byte[].class, (body, ctx) -> atServer.countDown());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = peers.add(new Peer(smallBuffers().build()));
        client.pushRouter().route("/chunk", byte[].class, (body, ctx) -> atClient.countDown());
        Session toServer = client.dial("127.0.0.1:" + port);
        Session toClient = accepted(server);

        // Each side's buffer passes its high water mark with its own pushes: neither holds a reply, so
        // neither has a reason to stop reading the other's.
        byte[] body = new byte[256 * 1024];
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < pushes; i++) {
            sent.add(toServer.push("/chunk", body));
            sent.add(toClient.push("/chunk", body));
        }
        assertThat(atServer.await(30, TimeUnit.SECONDS)).as("pushes at the server").isTrue();
        assertThat(atClient.await(30, TimeUnit.SECONDS)).as("pushes at the client").isTrue();
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }
}
