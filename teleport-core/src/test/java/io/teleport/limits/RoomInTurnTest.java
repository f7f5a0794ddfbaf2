package io.teleport.limits;

import io.teleport.Peer;
import io.teleport.session.Session;
import io.teleport.config.PeerConfig;
import io.teleport.message.Packet;
import io.teleport.message.PacketType;
import io.teleport.message.RerrorException;
import io.teleport.session.CallOptions;
import io.teleport.testing.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Room in the inbound budget is served to waiting frames in turn (hostile round 19, at a quarter of its
 * scale): connections that send most of a frame and never the rest, and reconnect as soon as the
 * frame-read timeout closes them, hold the medium frames' share between them; room freed as they are
 * closed used to go to whichever waiter got to it first, which they, being many and always back, mostly
 * were. A bystander's smaller frames of the same size class are now served first, being nearer to whole.
 */
class RoomInTurnTest {

    private static final int ATTACKERS = 80;
    private static final int FRAME = 250_000;
    private static final int SENT = 249_750;

    private final List<Peer> peers = new ArrayList<>();
    private final AtomicBoolean attacking = new AtomicBoolean(true);
    private final List<Thread> attackers = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        attacking.set(false);
        // Closing the server ends the attackers' blocked reads.
        peers.forEach(p -> p.shutdown(Duration.ofSeconds(1)));
        for (Thread t : attackers) {
            t.join(5000);
        }
    }

    @Test
    void aBystandersFramesGetTheirTurnWhilePartialFramesThatNeverEndHoldTheBudget() throws Exception {
        Limits limits = Limits.builder().maxInboundBytes(16 * 1024 * 1024).frameReadTimeout(Duration.ofMillis(2500)).build();
        Peer server = new Peer(PeerConfig.builder().limits(limits).build());
        peers.add(server);
        server.pullRouter().route("/echo", String.class, (b, ctx) -> "" + b.length());
        int port = ((InetSocketAddress) server.listen("127.0.0.1:0", null)).getPort();
        Peer client = new Peer(PeerConfig.defaults());
        peers.add(client);
        Session bystander = client.dial("127.0.0.1:" + port);
        String body = "b".repeat(80_000);
        assertThat(bystander.pull("/echo", body, String.class)).isEqualTo("80000");

        byte[] frame = Frames.encode(new Packet(PacketType.PULL, 1, "/echo",
                new io.teleport.codec.PreEncoded(("\"" + "x".repeat(FRAME) + "\"").getBytes(StandardCharsets.UTF_8)))
                .bodyCodec((byte) 'j'));
        AtomicInteger opened = new AtomicInteger();
        for (int i = 0; i < ATTACKERS; i++) {
            Thread t = new Thread(() -> attack(port, frame, opened), "attacker-" + i);
            t.setDaemon(true);
            attackers.add(t);
            t.start();
        }
        // 80 frames of 250 KB: more than the medium frames' share (7/8 of 16 MiB), some always waiting.
        await().until(() -> server.stats().pausedSessions() >= 5 && opened.get() >= ATTACKERS);

        int ok = 0;
        int failed = 0;
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < end) {
            try {
                bystander.pull("/echo", body, String.class, CallOptions.timeout(Duration.ofSeconds(4)));
                ok++;
            } catch (RerrorException e) {
                failed++;
            }
        }
        assertThat(opened.get()).as("the attack went on: its connections were closed and reopened").isGreaterThan(2 * ATTACKERS);
        // Nearest to whole first: 33 to 38 in 10 s on an Intel Xeon, 18 to 21 on an AMD EPYC while the build
        // or other work shared its cores; raced for by everyone woken, 13 to 15 (the Xeon). Over 15 s, so
        // that one slow stretch of a shared machine moves the count less.
        assertThat(ok).as("the bystander's pulls answered in 15 s (%d failed)", failed).isGreaterThanOrEqualTo(25);
    }

    /** Sends most of a pull, never the rest, waits to be closed, and does it again. */
    private void attack(int port, byte[] frame, AtomicInteger opened) {
        byte[] sink = new byte[4096];
        while (attacking.get()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                opened.incrementAndGet();
                s.getOutputStream().write(frame, 0, SENT);
                InputStream in = s.getInputStream();
                while (in.read(sink) >= 0) {
                    // until the server closes it
                }
            } catch (IOException e) {
                // closed under it: again
            }
        }
    }
}
